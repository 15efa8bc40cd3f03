#!/usr/bin/env python3
"""Fuzzed frames and storms for ForgedSegmentsInteropTest (issue 12: the attacks that held), run in the test's namespace.

Once the download from teacup is seen, MODE decides what is written at teacup on the raw socket:

  fuzz   the hand-made malformed frames (bad IHL, lengths, options, teardrop, oversized fragments,
         SYN+FIN and other flag sets, bad data offsets and urgent pointers, bad checksums, short ARP
         and ICMP...) and then COUNT fuzzed frames: valid ARP, ICMP, UDP, TCP and fragment templates
         with one to four bytes overwritten at random, and random bytes behind an Ethernet header;
  storm  four storms one after the other, STORM_SECONDS each: ARP requests for teacup from many
         on-link senders, ICMP echo requests, UDP to closed ports, and 8-byte first fragments with
         fresh identifications (each leaves a reassembly behind).

No frame claims the kernel's address in ARP or takes the download's own ports, so what the download
meets is the load, never a forgery of its own connection (ForgedArpInteropTest and the forged-segment
tests do those). A send the TAP's queue refuses (ENOBUFS) is counted and waited out. One JSON line of
results at the end.

usage: hostile_frames.py IFACE KERNEL_MAC TEACUP_MAC KERNEL_IP TEACUP_IP PORT SECONDS MODE [COUNT|STORM_SECONDS]
"""
import random

from raw_tcp import *  # noqa: F401,F403 (the socket, ones_sum, segments)

MODE = sys.argv[8]
ARGUMENT = float(sys.argv[9]) if len(sys.argv) > 9 else (120000 if MODE == 'fuzz' else 1.5)
rng = random.Random(0x1205)
ETHER = DST_MAC + SRC_MAC
BROADCAST = b'\xff' * 6
PEERS = [socket.inet_aton('198.18.0.%d' % n) for n in range(10, 250)]  # never the kernel's .1 or teacup's .2
refused = 0


def checksum(data):
    return struct.pack('!H', 0xffff - ones_sum(data))


def ipv4(protocol, payload, source=SRC_IP, ident=0x1234, fragment=0x4000, ihl=5, options=b'', total=None, ttl=64):
    header = struct.pack('!BBHHHBBH4s4s', 0x40 | ihl, 0, total if total is not None else 20 + len(options) + len(payload),
                         ident, fragment, ttl, protocol, 0, source, DST_IP) + options
    header = header[:10] + checksum(header) + header[12:]
    return ETHER + b'\x08\x00' + header + payload


def tcp(sport, dport, seq, ack, flags, options=b'', payload=b'', source=SRC_IP, offset=None, urgent=0, good=True):
    words = offset if offset is not None else (20 + len(options)) // 4
    segment = struct.pack('!HHIIBBHHH', sport, dport, seq & 0xffffffff, ack & 0xffffffff, words << 4, flags,
                          8192, 0, urgent) + options + payload
    check = checksum(source + DST_IP + struct.pack('!BBH', 0, 6, len(segment)) + segment)
    if not good:
        check = bytes([check[0] ^ 0x5a, check[1]])
    return segment[:16] + check + segment[18:]


def udp(sport, dport, payload, source=SRC_IP, length=None):
    datagram = struct.pack('!HHHH', sport, dport, length if length is not None else 8 + len(payload), 0) + payload
    check = checksum(source + DST_IP + struct.pack('!BBH', 0, 17, len(datagram)) + datagram)
    return datagram[:6] + check + datagram[8:]


def icmp(kind, code, rest, payload=b''):
    message = struct.pack('!BBH', kind, code, 0) + rest + payload
    return message[:2] + checksum(message) + message[4:]


def arp(op, sender_mac, sender_ip, target_ip, hlen=6, plen=4, destination=BROADCAST):
    body = struct.pack('!HHBBH', 1, 0x0800, hlen, plen, op) + sender_mac + sender_ip + b'\0' * 6 + target_ip
    return destination + SRC_MAC + b'\x08\x06' + body


def write(frame):
    """Sends one frame; True if the kernel took it, False if its queue was full (waited out)."""
    global refused
    try:
        sock.send(frame)
        return True
    except OSError:
        refused += 1
        time.sleep(0.0005)
        return False


def other_port(avoid):
    while True:
        port = rng.randint(1024, 65535)
        if port not in avoid:
            return port


def malformed(avoid):
    """The hand-made malformed frames: each is something a parser could get wrong."""
    frames = []
    payload = udp(4000, 9, b'malformed')
    for ihl in range(0, 16):
        if ihl != 5:  # IHL 0..4 is shorter than a header; 6..15 claims options the packet does not hold right
            frames.append(ipv4(17, payload, ihl=ihl))
    for total in (0, 1, 19, 20, 27, 29, 1400, 65535):  # total length below the header, the payload, or past the frame
        frames.append(ipv4(17, payload, total=total))
    for options in (b'\x44\x00\x05\x00', b'\x44\x03\x05\x00', b'\x07\x02\x04\x00', b'\x83\x40\x00\x00',
                    b'\x89\xff\x00\x00', b'\x01\x01\x01\x44', b'\x94\x04\x00', b'\x82\x0b' + b'\0' * 10):
        frames.append(ipv4(17, payload, ihl=5 + (len(options) + 3) // 4, options=options.ljust((len(options) + 3) // 4 * 4, b'\0')))
    frames.append(ipv4(17, payload, ttl=0))
    for ident in range(0x7700, 0x7708):  # teardrop: overlapping fragments, the second starting inside the first
        frames.append(ipv4(17, udp(4000, 9, b'T' * 40), ident=ident, fragment=0x2000))
        frames.append(ipv4(17, b'D' * 16, ident=ident, fragment=0x2000 | 3))
        frames.append(ipv4(17, b'X' * 8, ident=ident, fragment=1))
    for offset in (0x1fff, 0x1ffe, 0x1ff0):  # oversized: offset * 8 + length past 65,535
        frames.append(ipv4(17, b'O' * 1400, ident=0x7800 + offset, fragment=offset))
    frames.append(ipv4(17, b'', ident=0x7900, fragment=0x2000))  # an empty first fragment
    frames.append(ipv4(17, b'Z' * 13, ident=0x7901, fragment=0x2000))  # a fragment not a multiple of 8
    sport = other_port(avoid)
    for flags in range(0, 64):  # every flag set on the listening port from one spoofed source, SYN+FIN among them
        frames.append(ipv4(6, tcp(sport, PORT, 1000, 0, flags, source=PEERS[0]), source=PEERS[0]))
    for offset in (0, 1, 4, 6, 15):  # data offsets below the header or past the segment
        frames.append(ipv4(6, tcp(other_port(avoid), PORT, 1, 0, SYN, offset=offset)))
    for options in (b'\x02\x00', b'\x02\x01\x05', b'\x08\x0a\x00', b'\x03\x03\x0f\x00', b'\x05\x03\x00\x00',
                    b'\x04\x00\x00\x00', b'\x08\xff\x00\x00', b'\x02\x04\x00\x00'):  # option lengths 0, 1, past the end; MSS 0; shift 15
        frames.append(ipv4(6, tcp(other_port(avoid), PORT, 1, 0, SYN, options=options.ljust(4 * ((len(options) + 3) // 4), b'\0'))))
    for urgent in (0, 1, 0xffff):  # urgent pointers at zero, one and past the data
        frames.append(ipv4(6, tcp(other_port(avoid), PORT, 1, 0, SYN | 0x20, payload=b'u', urgent=urgent)))
    frames.append(ipv4(6, tcp(other_port(avoid), PORT, 1, 0, SYN, good=False)))  # bad TCP checksum
    frames.append(ipv4(17, udp(4000, 9, b'short', length=4)))  # UDP length below its header
    frames.append(ipv4(17, udp(4000, 9, b'long', length=900)))  # UDP length past the datagram
    frames.append(ipv4(1, icmp(8, 0, b'\0\1')))  # an echo request cut short
    frames.append(ipv4(1, icmp(3, 4, b'\0\0\x02\x40', b'\x45\0\0')))  # fragmentation needed quoting a stub
    frames.append(ipv4(1, b'\x08\x00\xff\xff\x00\x01\x00\x01'))  # an echo request with a bad checksum
    for hlen, plen in ((0, 4), (6, 0), (6, 16), (255, 255)):
        frames.append(arp(1, b'\x02\0\0\0\0\x09', PEERS[1], DST_IP, hlen=hlen, plen=plen))
    frames.append(ETHER + b'\x08\x00')  # an Ethernet header and nothing else
    frames.append(ETHER + b'\x08\x06' + b'\0\1')  # ARP cut short
    return frames


def templates(avoid):
    """Valid frames of every kind teacup takes, for the fuzzer to damage."""
    sport = other_port(avoid)
    peer = rng.choice(PEERS)
    return [
        arp(1, bytes([2, 0, 0, 0, 1, rng.randint(0, 255)]), peer, DST_IP),
        arp(2, bytes([2, 0, 0, 0, 2, rng.randint(0, 255)]), peer, DST_IP, destination=DST_MAC),
        ipv4(1, icmp(8, 0, struct.pack('!HH', 0x4242, rng.randint(0, 65535)), b'fuzz' * 8)),
        ipv4(17, udp(sport, rng.randint(1, 65535), b'fuzzed datagram')),
        ipv4(6, tcp(sport, PORT, rng.getrandbits(32), 0, SYN, options=b'\x02\x04\x05\xb4\x01\x03\x03\x07')),
        ipv4(6, tcp(sport, PORT, rng.getrandbits(32), rng.getrandbits(32), ACK | PSH, payload=b'GET / HTTP/1.1\r\n')),
        ipv4(6, tcp(sport, other_port(avoid), rng.getrandbits(32), 0, SYN)),
        ipv4(17, udp(sport, 9, b'F' * 64), ident=rng.randint(0, 65535), fragment=0x2000),
        ipv4(17, b'G' * 32, ident=rng.randint(0, 65535), fragment=rng.randint(1, 200)),
        ETHER + b'\x08\x00' + rng.randbytes(rng.randint(0, 200)),
    ]


def fuzz(avoid, count):
    frames = malformed(avoid)
    sent_malformed = sum(1 for f in frames if write(f))
    pool = templates(avoid)
    fuzzed = 0
    stop = time.monotonic() + 25
    while fuzzed < count and time.monotonic() < stop:
        if fuzzed % 1000 == 0:
            pool = templates(avoid)
        frame = bytearray(rng.choice(pool))
        for _ in range(rng.randint(1, 4)):
            at = rng.randint(14, len(frame) - 1) if len(frame) > 14 else 0
            frame[at] = rng.randint(0, 255)
        if len(frame) >= 42 and frame[12:14] == b'\x08\x06' and frame[28:32] == SRC_IP:
            frame[31] ^= 0x80  # a byte landed on the ARP sender address: never let it name the kernel
        if write(bytes(frame)):
            fuzzed += 1
        if fuzzed % 256 == 0:
            time.sleep(0.002)  # about 100,000 a second at most: the download must go on beside it
    return {'malformed': sent_malformed, 'fuzzed': fuzzed}


def storm(avoid, seconds):
    sport = other_port(avoid)
    pools = {
        'arp': [arp(1, bytes([2, 0, 0, 3, n >> 8, n & 0xff]), socket.inet_aton('198.18.0.%d' % (10 + n % 240)), DST_IP)
                for n in range(1024)],
        'icmp': [ipv4(1, icmp(8, 0, struct.pack('!HH', 0x5353, n), b'storm' * 8)) for n in range(1024)],
        'udp': [ipv4(17, udp(sport, 20000 + n, b'storm')) for n in range(1024)],
        'fragments': [ipv4(17, udp(sport, 9, b'')[:8], ident=n, fragment=0x2000, source=PEERS[n % len(PEERS)])
                      for n in range(4096)],
    }
    rates = {}
    for name, pool in pools.items():
        sent = 0
        started = time.monotonic()
        stop = started + seconds
        at = 0
        while time.monotonic() < stop:
            for i in range(256):
                if write(pool[(at + i) % len(pool)]):
                    sent += 1
            at += 256  # the fragments' pool is 4,096 identifications deep: each first fragment opens a reassembly
        rates[name] = int(sent / (time.monotonic() - started))
        time.sleep(0.3)  # a breath between storms, so each one's rate is its own
    return {'rates': rates}


deadline = time.monotonic() + SECONDS
client_port = None
for outgoing, sport, dport, seq, ack, flags, length, ts in segments(deadline):
    if not outgoing and sport == PORT and length > 0:
        client_port = dport
        break
result = {'learnt': client_port is not None}
if client_port is not None:
    avoid = {client_port, PORT}
    result.update(fuzz(avoid, int(ARGUMENT)) if MODE == 'fuzz' else storm(avoid, ARGUMENT))
result['refused'] = refused
print(json.dumps(result), flush=True)
