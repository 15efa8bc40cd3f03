#!/usr/bin/env python3
"""Forged segments for ForgedSegmentsInteropTest (issue 12 items 1 and 5), run in the test's namespace.

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
try:
    sock.setsockopt(socket.SOL_SOCKET, 33, 32 << 20)  # SO_RCVBUFFORCE (root): the download's frames must not crowd out the replies
except OSError:
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 32 << 20)
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
        elif frame[23] == 1:
            icmp_at = 14 + (frame[14] & 0x0f) * 4
            if frame[icmp_at] == 0 and struct.unpack('!HH', frame[icmp_at + 4:icmp_at + 8]) == (0x7777, sequence):
                return struct.unpack('!H', frame[18:20])[0], tcp_frames  # this ping's reply, not a late one
    return None, tcp_frames


deadline = time.monotonic() + SECONDS
client_port = client_ts = teacup_ts = rcv_nxt = snd_nxt = None
seen = {'frames': 0, 'from_teacup': 0, 'to_teacup': 0}
# Learn the download: teacup's segments with data (its SND.NXT, its TSval, the client's port and
# next sequence number) and the client's own TSval from its ACKs.
for outgoing, sport, dport, seq, ack, flags, length, ts in segments(deadline):
    seen['frames'] += 1
    seen['from_teacup' if not outgoing else 'to_teacup'] += 1 if (sport == PORT or dport == PORT) else 0
    if not outgoing and sport == PORT and length > 0 and ts:
        client_port, snd_nxt, rcv_nxt, teacup_ts = dport, seq + length, ack, ts[0]
    elif outgoing and dport == PORT and client_port == sport and ts:
        client_ts = ts[0]
    if client_port and client_ts and teacup_ts:
        break
result = {'learnt': bool(client_port and client_ts and teacup_ts), 'forged': 0, 'synfin_answers': 0}
if result['learnt']:
    # RFC 6864 / RFC 7739 (issue 12 item 5): an idle scanner pings, lets teacup send to someone else
    # (here: the download, TCP), pings again, and reads from the two replies' IPv4 identifications
    # how much teacup sent meanwhile. With a counter per destination and protocol it reads nothing.
    # A reply this socket misses still took an identification: what must hold is that the IDs of two
    # replies differ by the number of pings between them, whatever went to the download meanwhile.
    sequence, first, between = 0, None, 0
    while first is None and sequence < 3:
        sequence += 1
        first, _ = echo(sequence, time.monotonic() + 1.0)
    first_sequence = sequence
    time.sleep(0.3)
    second = None
    while second is None and sequence < 6:
        sequence += 1
        second, frames = echo(sequence, time.monotonic() + 1.0)
        between += frames
    result['echo_ids'] = [first, second]
    result['echo_gap'] = sequence - first_sequence
    result['tcp_frames_between'] = between
    far = (client_ts + (1 << 30)) & 0xffffffff
    ts_option = b'\x01\x01\x08\x0a' + struct.pack('!II', far, teacup_ts)
    send(client_port, rcv_nxt, snd_nxt + (1 << 30), ACK, ts_option)                   # ACK for data never sent
    send(client_port, rcv_nxt, 0, SYN, ts_option)                                     # a SYN at RCV.NXT
    send(client_port, rcv_nxt, snd_nxt - (1 << 30), ACK | PSH, ts_option, b'x' * 10)  # text with an ACK far too old
    result['forged'] = 3
    send(PROBE_PORT, 0x12345678, 0, SYN | FIN, struct.pack('!BBH', 2, 4, 1460))
    for outgoing, sport, dport, seq, ack, flags, length, ts in segments(time.monotonic() + 1.0):
        if not outgoing and sport == PORT and dport == PROBE_PORT:
            result['synfin_answers'] += 1
print(json.dumps(result), flush=True)
print(json.dumps(seen), file=sys.stderr, flush=True)
