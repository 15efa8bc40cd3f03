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
from raw_tcp import *  # noqa: F401,F403 (the socket, send, segments, echo)

PROBE_PORT = 45555

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
