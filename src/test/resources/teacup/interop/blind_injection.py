#!/usr/bin/env python3
"""Blind injection for BlindInjectionInteropTest (issue 12: the attacks that held), run in the test's namespace.

It learns a download's four-tuple (and only roughly its sequence numbers: an off-path attacker
guesses) and then, for a bounded time, injects as the client RSTs, SYNs and data at sequence numbers
spread over the receive window (never exactly RCV.NXT), with acknowledgment numbers drawn at random,
as RFC 5961's blind attacks do (ACK guesses that would land in the acceptable range are moved
out of it, so the test does not depend on a 1-in-1,000 chance). Teacup must answer with challenge ACKs (rate-limited) and the
download must finish intact. One JSON line of results at the end.

The rest of this header is the forged-segment script's, whose helpers this one shares:

It watches, on a raw AF_PACKET socket on the TAP's kernel side, the download a curl client in the
namespace runs from teacup, learns the connection's sequence numbers and timestamps from both
directions, and then injects, as that client, three segments RFC 5961 says teacup must discard,
each with a TSval 2^30 ahead of the client's: a pure ACK at RCV.NXT whose acknowledgment number is
for data never sent, a SYN at RCV.NXT, and ten bytes at RCV.NXT whose ACK is far too old. Before
the fix each one poisoned TS.Recent and PAWS then dropped the real client's segments. Then it sends
a SYN-FIN from a fresh port to teacup's listening port and counts what answers it (nothing should).
Frames are built with struct, independently of teacup's codecs. One JSON line of results at the end.

usage: forge_segments.py IFACE KERNEL_MAC TEACUP_MAC KERNEL_IP TEACUP_IP PORT SECONDS
"""
import json
import socket
import struct
import sys
import time

IFACE, KERNEL_MAC, TEACUP_MAC, KERNEL_IP, TEACUP_IP, PORT, SECONDS = sys.argv[1:8]
PORT, SECONDS = int(PORT), float(SECONDS)
SRC_MAC = bytes.fromhex(KERNEL_MAC.replace(':', ''))
DST_MAC = bytes.fromhex(TEACUP_MAC.replace(':', ''))
SRC_IP = socket.inet_aton(KERNEL_IP)
DST_IP = socket.inet_aton(TEACUP_IP)
SYN, ACK, FIN, PSH = 0x02, 0x10, 0x01, 0x08
PACKET_OUTGOING = 4
PROBE_PORT = 45555

sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))  # ETH_P_ALL: outgoing frames too
sock.bind((IFACE, 0))
sock.settimeout(0.05)


def ones_sum(data):
    if len(data) % 2:
        data += b'\0'
    total = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xffff) + (total >> 16)
    return total


def send(sport, seq, ack, flags, options=b'', payload=b''):
    header = struct.pack('!HHIIBBHHH', sport, PORT, seq & 0xffffffff, ack & 0xffffffff,
                         ((20 + len(options)) // 4) << 4, flags, 1024, 0, 0) + options
    seg = header + payload
    check = 0xffff - ones_sum(SRC_IP + DST_IP + struct.pack('!BBH', 0, 6, len(seg)) + seg)
    seg = seg[:16] + struct.pack('!H', check) + seg[18:]
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(seg), 0x4242, 0x4000, 64, 6, 0, SRC_IP, DST_IP)
    ip = ip[:10] + struct.pack('!H', 0xffff - ones_sum(ip)) + ip[12:]
    sock.send(DST_MAC + SRC_MAC + b'\x08\x00' + ip + seg)


def timestamps(options):
    i = 0
    while i < len(options):
        kind = options[i]
        if kind == 0:
            break
        if kind == 1:
            i += 1
            continue
        if i + 1 >= len(options) or options[i + 1] < 2:
            break
        if kind == 8 and options[i + 1] == 10 and i + 10 <= len(options):
            return struct.unpack('!II', options[i + 2:i + 10])
        i += options[i + 1]
    return None


def segments(until):
    """(outgoing, sport, dport, seq, ack, flags, payload_length, timestamps) of TCP frames seen until then."""
    while time.monotonic() < until:
        try:
            frame, address = sock.recvfrom(65536)
        except socket.timeout:
            continue
        if len(frame) < 54 or frame[12:14] != b'\x08\x00' or frame[23] != 6:
            continue
        ihl = (frame[14] & 0x0f) * 4
        tcp = 14 + ihl
        total = struct.unpack('!H', frame[16:18])[0]
        sport, dport, seq, ack, off, flags = struct.unpack('!HHIIBB', frame[tcp:tcp + 14])
        header = (off >> 4) * 4
        yield (address[2] == PACKET_OUTGOING, sport, dport, seq, ack, flags,
               total - ihl - header, timestamps(frame[tcp + 20:tcp + header]))


def echo(sequence, until):
    """Pings teacup from the kernel's address; returns (the reply's IPv4 identification, TCP frames teacup sent meanwhile)."""
    icmp = struct.pack('!BBHHH', 8, 0, 0, 0x7777, sequence) + b'idle-scan'
    icmp = icmp[:2] + struct.pack('!H', 0xffff - ones_sum(icmp)) + icmp[4:]
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(icmp), 0x4343, 0, 64, 1, 0, SRC_IP, DST_IP)
    ip = ip[:10] + struct.pack('!H', 0xffff - ones_sum(ip)) + ip[12:]
    sock.send(DST_MAC + SRC_MAC + b'\x08\x00' + ip + icmp)
    tcp_frames = 0
    while time.monotonic() < until:
        try:
            frame, address = sock.recvfrom(65536)
        except socket.timeout:
            continue
        if address[2] == PACKET_OUTGOING or len(frame) < 42 or frame[12:14] != b'\x08\x00':
            continue
        if frame[23] == 6:
            tcp_frames += 1
        elif frame[23] == 1 and frame[14 + (frame[14] & 0x0f) * 4] == 0:
            return struct.unpack('!H', frame[18:20])[0], tcp_frames
    return None, tcp_frames



import random

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
