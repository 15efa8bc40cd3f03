#!/usr/bin/env python3
"""Fuzzed segments into live connections, for ForgedSegmentsInteropTest (issue 12: the attacks that held).

Four kernel TCP connections to an echo server on teacup (PORT) each send random blocks and check that
what comes back is what they sent. Meanwhile, from the raw socket, COUNT fuzzed segments go into those
connections as the kernel's side, built from the sequence numbers the sniffer last saw, of kinds a
conforming TCP must not take into the stream:

  - a real segment the kernel sent, one byte of its TCP header or data changed, checksum left stale;
  - data in or near the window whose ACK acknowledges what teacup never sent, or is far too old
    (RFC 9293 3.10.7.4 fifth check; RFC 5961 5.2), some with far-ahead timestamps or garbage options;
  - segments without ACK (only FIN, PSH, URG), which a synchronized connection drops;
  - RSTs far outside the window, and SYNs anywhere in sequence space (challenge ACKs, RFC 5961 4).

Every echo must come back byte for byte, and no connection may be reset. One JSON line at the end.

usage: fuzz_segments.py IFACE KERNEL_MAC TEACUP_MAC KERNEL_IP TEACUP_IP PORT SECONDS [COUNT]
"""
import random
import threading

from raw_tcp import *  # noqa: F401,F403 (the socket, ones_sum, segments)

COUNT = int(sys.argv[8]) if len(sys.argv) > 8 else 40000
CONNECTIONS = 4
rng = random.Random(0x4000)
stop_echo = threading.Event()
echo = {'bytes': 0, 'mismatches': 0, 'errors': []}
lock = threading.Lock()


def echo_client(n):
    local = random.Random(n)
    try:
        with socket.create_connection((TEACUP_IP, PORT), timeout=10) as s:
            while not stop_echo.is_set():
                block = local.randbytes(local.randint(1, 8192))
                s.sendall(block)
                got = b''
                while len(got) < len(block):
                    chunk = s.recv(len(block) - len(got))
                    if not chunk:
                        raise OSError('connection closed by teacup')
                    got += chunk
                with lock:
                    echo['bytes'] += len(block)
                    if got != block:
                        echo['mismatches'] += 1
    except OSError as e:
        with lock:
            echo['errors'].append('connection %d: %s' % (n, e))


def checksum(data):
    return struct.pack('!H', 0xffff - ones_sum(data))


def inject(segment):
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(segment), 0x4444, 0x4000, 64, 6, 0, SRC_IP, DST_IP)
    ip = ip[:10] + checksum(ip) + ip[12:]
    try:
        sock.send(DST_MAC + SRC_MAC + b'\x08\x00' + ip + segment)
        return True
    except OSError:
        time.sleep(0.0005)  # the TAP's queue is full: wait it out
        return False


def build(sport, seq, ack, flags, options=b'', payload=b''):
    options = options.ljust(4 * ((len(options) + 3) // 4), b'\x01')
    segment = struct.pack('!HHIIBBHHH', sport, PORT, seq & 0xffffffff, ack & 0xffffffff, ((20 + len(options)) // 4) << 4,
                          flags, rng.randint(0, 65535), 0, rng.randint(0, 65535)) + options + payload
    check = checksum(SRC_IP + DST_IP + struct.pack('!BBH', 0, 6, len(segment)) + segment)
    return segment[:16] + check + segment[18:]


def fuzzed(conn):
    """One fuzzed segment for a connection the sniffer knows: (sport, seq, ack, last real segment)."""
    sport, seq, ack, real = conn
    kind = rng.randrange(5)
    if kind == 0 and real:
        segment = bytearray(real)
        at = rng.choice([4, 8, 13, 14, 19] + list(range(20, len(segment))))  # seq, ack, flags, window, urgent, options, data
        segment[at] ^= rng.randint(1, 255)  # one byte changed: the stale checksum must catch it
        return bytes(segment)
    if kind <= 1:
        bad_ack = ack + (1 << 30) if rng.random() < 0.5 else ack - (1 << 30)
        options = rng.choice([b'', b'\x08\x0a' + struct.pack('!II', rng.getrandbits(32), 0), rng.randbytes(rng.randint(1, 40))])
        return build(sport, seq + rng.randint(-70000, 70000), bad_ack, ACK | rng.choice([0, PSH, FIN, 0x20]),
                     options, rng.randbytes(rng.randint(0, 1400)))
    if kind == 2:
        return build(sport, seq + rng.randint(-70000, 70000), 0, rng.choice([FIN, PSH, 0x20, FIN | PSH, 0]),
                     b'', rng.randbytes(rng.randint(0, 600)))
    if kind == 3:
        return build(sport, seq + (1 << 31) + rng.randint(-(1 << 20), 1 << 20), rng.getrandbits(32), 0x04 | rng.choice([0, ACK]))
    return build(sport, rng.getrandbits(32), rng.getrandbits(32), SYN | rng.choice([0, ACK]))


def sniff(known, until):
    """Takes the kernel's segments to teacup's port seen until then into known: sport -> (sport, seq, ack, segment)."""
    while time.monotonic() < until:
        try:
            frame, address = sock.recvfrom(65536)
        except socket.timeout:
            return
        if address[2] != PACKET_OUTGOING or len(frame) < 54 or frame[12:14] != b'\x08\x00' or frame[23] != 6:
            continue
        tcp = 14 + (frame[14] & 0x0f) * 4
        end = 14 + struct.unpack('!H', frame[16:18])[0]
        sport, dport, seq, ack, off, flags = struct.unpack('!HHIIBB', frame[tcp:tcp + 14])
        if dport == PORT and flags & ACK and not flags & (SYN | FIN | 0x04):
            known[sport] = (sport, seq, ack, frame[tcp:end])


threads = [threading.Thread(target=echo_client, args=(n,), daemon=True) for n in range(CONNECTIONS)]
for t in threads:
    t.start()
deadline = time.monotonic() + SECONDS
known = {}
injected = 0
try:
    sock.settimeout(0.001)
    while injected < COUNT and time.monotonic() < deadline:
        sniff(known, time.monotonic() + 0.002)
        if len(known) < CONNECTIONS:
            continue
        for _ in range(64):
            if injected < COUNT and inject(fuzzed(rng.choice(list(known.values())))):
                injected += 1
finally:
    time.sleep(1.0)  # the echoes go on a moment after the last injection
    stop_echo.set()
    for t in threads:
        t.join(15)
print(json.dumps({'connections': len(known), 'injected': injected, 'echoed': echo['bytes'],
                  'mismatches': echo['mismatches'], 'errors': echo['errors']}), flush=True)
