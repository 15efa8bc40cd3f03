"""The raw side of the forged-segment interop tests: one AF_PACKET socket on the TAP's kernel side
that sees both directions, and frames built with struct, independently of teacup's codecs.

Both scripts take the same first arguments: IFACE KERNEL_MAC TEACUP_MAC KERNEL_IP TEACUP_IP PORT SECONDS.
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
