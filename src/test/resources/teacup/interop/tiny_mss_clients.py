#!/usr/bin/env python3
"""Hostile HTTP clients for TinyMssInteropTest (issue 12 item 2), run in the test's namespace.

Each client opens a TCP connection to teacup from the kernel's own address, announcing an MSS of
1 with window scaling and timestamps, asks for a file, and ACKs what arrives in order (every
second segment, and at once for anything out of order), for a bounded time. Frames are built and
parsed here with struct over a raw AF_PACKET socket on the TAP, independently of teacup's codecs;
the kernel's resets for these ports are dropped by the test's nftables rule. Every segment teacup
sends is checked for a correct TCP checksum. At the end each connection is reset and a summary
is printed as one JSON line.

usage: tiny_mss_clients.py IFACE KERNEL_MAC TEACUP_MAC KERNEL_IP TEACUP_IP PORT PATH CLIENTS FIRST_PORT SECONDS MSS
"""
import json
import os
import socket
import struct
import sys
import time

(IFACE, KERNEL_MAC, TEACUP_MAC, KERNEL_IP, TEACUP_IP, PORT, PATH, CLIENTS, FIRST_PORT, SECONDS, MSS) = sys.argv[1:12]
PORT, CLIENTS, FIRST_PORT, MSS = int(PORT), int(CLIENTS), int(FIRST_PORT), int(MSS)
SECONDS = float(SECONDS)
SRC_MAC = bytes.fromhex(KERNEL_MAC.replace(':', ''))
DST_MAC = bytes.fromhex(TEACUP_MAC.replace(':', ''))
SRC_IP = socket.inet_aton(KERNEL_IP)
DST_IP = socket.inet_aton(TEACUP_IP)
SYN, ACK, FIN, RST, PSH = 0x02, 0x10, 0x01, 0x04, 0x08
WINDOW_SCALE = 7
PACKET_OUTGOING = 4

sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
try:
    sock.setsockopt(socket.SOL_SOCKET, 33, 32 << 20)  # SO_RCVBUFFORCE (root): keep up with tiny segments
except OSError:
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 32 << 20)
sock.bind((IFACE, 0))
sock.settimeout(0.05)
ident = 0


def ones_sum(data):
    if len(data) % 2:
        data += b'\0'
    total = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xffff) + (total >> 16)
    return total


def now_ms():
    return int(time.monotonic() * 1000) & 0xffffffff


def send(sport, seq, ack, flags, window, options=b'', payload=b''):
    global ident
    ident = (ident + 1) & 0xffff
    header = struct.pack('!HHIIBBHHH', sport, PORT, seq & 0xffffffff, ack & 0xffffffff,
                         ((20 + len(options)) // 4) << 4, flags, window, 0, 0) + options
    seg = header + payload
    check = 0xffff - ones_sum(SRC_IP + DST_IP + struct.pack('!BBH', 0, 6, len(seg)) + seg)
    seg = seg[:16] + struct.pack('!H', check) + seg[18:]
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(seg), ident, 0x4000, 64, 6, 0, SRC_IP, DST_IP)
    ip = ip[:10] + struct.pack('!H', 0xffff - ones_sum(ip)) + ip[12:]
    sock.send(DST_MAC + SRC_MAC + b'\x08\x00' + ip + seg)


class Client:
    def __init__(self, port, n):
        self.port = port
        self.iss = 0x10000000 * (n + 1) + os.getpid()
        self.request = ('GET /%s HTTP/1.1\r\nHost: %s\r\n\r\n' % (PATH, TEACUP_IP)).encode()
        self.state = 'SYN_SENT'
        self.rcv_nxt = 0
        self.snd_una = self.iss
        self.ts_recent = 0
        self.unacked = 0
        self.syn_at = 0.0
        self.segments = 0
        self.bytes = 0
        self.bad_checksums = 0
        self.max_payload = 0
        self.min_payload = 1 << 30
        self.last_seen = time.monotonic()

    def ts(self):
        return b'\x01\x01\x08\x0a' + struct.pack('!II', now_ms(), self.ts_recent)

    def syn(self):
        options = struct.pack('!BBH', 2, 4, MSS) + b'\x01\x03\x03' + bytes([WINDOW_SCALE]) + self.ts()
        send(self.port, self.iss, 0, SYN, 65535, options)
        self.syn_at = time.monotonic()

    def ack(self):
        send(self.port, self.iss + 1 + len(self.request), self.rcv_nxt, ACK, 65535, self.ts())
        self.unacked = 0

    def send_request(self):
        send(self.port, self.iss + 1, self.rcv_nxt, ACK | PSH, 65535, self.ts(), self.request)

    def reset(self):
        if self.state != 'SYN_SENT':
            send(self.port, self.iss + 1 + len(self.request), 0, RST, 0)

    def take(self, flags, seq, ack, payload_length, options):
        self.last_seen = time.monotonic()
        i = 0
        while i < len(options):  # the timestamp to echo
            kind = options[i]
            if kind == 0:
                break
            if kind == 1:
                i += 1
                continue
            if i + 1 >= len(options) or options[i + 1] < 2:
                break
            if kind == 8 and options[i + 1] == 10 and i + 10 <= len(options):
                self.ts_recent = struct.unpack('!I', options[i + 2:i + 6])[0]
            i += options[i + 1]
        if flags & ACK:
            self.snd_una = ack
        if self.state == 'SYN_SENT':
            if flags & SYN and flags & ACK and ack == (self.iss + 1) & 0xffffffff:
                self.rcv_nxt = (seq + 1) & 0xffffffff
                self.state = 'ESTABLISHED'
                self.ack()
                self.send_request()
            return
        if payload_length == 0 and not flags & FIN:
            return
        if seq == self.rcv_nxt:
            self.rcv_nxt = (self.rcv_nxt + payload_length + (1 if flags & FIN else 0)) & 0xffffffff
            self.segments += 1
            self.bytes += payload_length
            self.max_payload = max(self.max_payload, payload_length)
            if payload_length:
                self.min_payload = min(self.min_payload, payload_length)
            self.unacked += 1
            if self.unacked >= 2 or flags & FIN:
                self.ack()
        else:
            self.ack()  # out of order or again: a duplicate ACK at once

    def idle(self):
        t = time.monotonic()
        if self.state == 'SYN_SENT':
            if t - self.syn_at > 1.0:
                self.syn()
            return
        if self.snd_una != (self.iss + 1 + len(self.request)) & 0xffffffff and t - self.last_seen > 0.5:
            self.send_request()  # the request was lost
        self.ack()


clients = {FIRST_PORT + n: Client(FIRST_PORT + n, n) for n in range(CLIENTS)}
for c in clients.values():
    c.syn()
end = time.monotonic() + SECONDS
last_idle = time.monotonic()
teacup_ip, kernel_ip = DST_IP, SRC_IP
while time.monotonic() < end:
    try:
        frame, address = sock.recvfrom(65535)
    except socket.timeout:
        frame, address = None, None
    if frame is not None and address[2] != PACKET_OUTGOING and len(frame) >= 54 and frame[12:14] == b'\x08\x00':
        ihl = (frame[14] & 0x0f) * 4
        total = struct.unpack('!H', frame[16:18])[0]
        if frame[23] == 6 and frame[26:30] == teacup_ip and frame[30:34] == kernel_ip and len(frame) >= 14 + total:
            seg = frame[14 + ihl:14 + total]
            sport, dport, seq, ack, off, flags = struct.unpack('!HHIIBB', seg[:14])
            c = clients.get(dport)
            if c is not None and sport == PORT:
                if ones_sum(teacup_ip + kernel_ip + struct.pack('!BBH', 0, 6, len(seg)) + seg) != 0xffff:
                    c.bad_checksums += 1
                else:
                    header = (off >> 4) * 4
                    c.take(flags, seq, ack, len(seg) - header, seg[20:header])
    if time.monotonic() - last_idle > 0.05:
        last_idle = time.monotonic()
        for c in clients.values():
            if time.monotonic() - c.last_seen > 0.05 or c.state == 'SYN_SENT':
                c.idle()
for c in clients.values():
    c.reset()
print(json.dumps([{'port': c.port, 'state': c.state, 'segments': c.segments, 'bytes': c.bytes,
                   'bad_checksums': c.bad_checksums, 'max_payload': c.max_payload,
                   'min_payload': c.min_payload if c.segments else 0} for c in clients.values()]))
