# Sourced by ./teacup and .ci/run: sets JAVA_HOME to a JDK 25 or newer, or exits with one line.
java_major() { "$1/bin/java" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2; exit}'; }
pick_jdk() {
  local cand
  for cand in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*25* /usr/lib/jvm/* \
              "$(dirname "$(dirname "$(readlink -f "$(command -v java 2>/dev/null || echo /nonexistent)")")")"; do
    [[ -n "$cand" && -x "$cand/bin/javac" ]] || continue
    local v; v="$(java_major "$cand")"
    if [[ "$v" =~ ^[0-9]+$ ]] && (( v >= 25 )); then export JAVA_HOME="$cand"; return 0; fi
  done
  echo "teacup: needs JDK 25 or newer (set JAVA_HOME); none found under /usr/lib/jvm" >&2
  exit 1
}
pick_jdk
