#!/usr/bin/env python3
"""Blind injection for ForgedSegmentsInteropTest.blindInjectionFails (issue 12: the attacks that held), run in the test's namespace.

It learns a download's four-tuple (and only roughly its sequence numbers: an off-path attacker
guesses) and then, for a bounded time, injects as the client RSTs, SYNs and data at sequence numbers
spread over the receive window (never exactly RCV.NXT), with acknowledgment numbers drawn at random,
as RFC 5961's blind attacks do (ACK guesses that would land in the acceptable range are moved
out of it, so the test does not depend on a 1-in-1,000 chance). Teacup must answer with
challenge ACKs (rate-limited) and the download must finish intact. One JSON line of results at the end.

usage: blind_injection.py IFACE KERNEL_MAC TEACUP_MAC KERNEL_IP TEACUP_IP PORT SECONDS
"""
import random

from raw_tcp import *  # noqa: F401,F403 (the socket, send, segments)

deadline = time.monotonic() + SECONDS
client_port = rcv_nxt = snd_nxt = None
for outgoing, sport, dport, seq, ack, flags, length, ts in segments(deadline):
    if not outgoing and sport == PORT and length > 0:
        client_port, rcv_nxt, snd_nxt = dport, ack, seq + length
        break
result = {'learnt': client_port is not None, 'injected': 0}
if client_port is not None:
    rng = random.Random(0x5961)
    stop = min(deadline, time.monotonic() + 4.0)
    while time.monotonic() < stop and result['injected'] < 3000:
        # In the window but off RCV.NXT by 1..60,000 (the receive buffer is 256 KB; a guess this close is generous).
        seq = rcv_nxt + rng.randint(1, 60000)
        guess = rng.getrandbits(32)
        if ((guess - snd_nxt) & 0xffffffff) < (1 << 26) or ((snd_nxt - guess) & 0xffffffff) < (1 << 26):
            guess ^= 1 << 31  # RFC 5961 5.2 lets a guess this close through (a 1-in-1,000 risk it accepts); keep the test exact
        kind = result['injected'] % 3
        if kind == 0:
            send(client_port, seq, 0, 0x04)                       # RST
        elif kind == 1:
            send(client_port, seq, 0, SYN)                        # SYN
        else:
            send(client_port, seq, guess, ACK | PSH, b'', b'EVIL' * 4)  # data with a guessed ACK
        result['injected'] += 1
        time.sleep(0.001)
print(json.dumps(result), flush=True)
