#!/usr/bin/env python3
"""Shortest network distances through networkx (PyPI), for the Swift tests to compare with. Reads FOLDER/roads.json
({"roads": [{"points": [[lon, lat], ...], "oneway": 0|1|-1}], "origins": [[lon, lat]], "destinations": [[lon, lat]],
"max_snap_m": M, "directed": true|false}) and prints JSON: for each origin, the metres of the shortest way to any
destination (null when none is reached or the origin is off the network), and the destination's index.

Built independently of the Swift code: every vertex is a node and every segment an edge (no compaction); each place
joins its nearest segment (brute force, a local flat projection for the foot) through an edge of its great-circle
distance to the foot, splitting the segment there; multi-source Dijkstra over the reversed graph.

    network_reference.py FOLDER

Exit status 3 when networkx cannot be imported: the test says how to install it."""
import json
import math
import sys

try:
    import networkx as nx
except ImportError as error:
    print(f"networkx is not installed ({error}): python3 -m pip install networkx", file=sys.stderr)
    sys.exit(3)

R = 6_371_008.8


def haversine(a, b):
    p1, p2 = math.radians(a[1]), math.radians(b[1])
    dlat, dlon = p2 - p1, math.radians(b[0] - a[0])
    h = math.sin(dlat / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dlon / 2) ** 2
    h = min(1.0, max(0.0, h))
    return 2 * R * math.atan2(math.sqrt(h), math.sqrt(1 - h))


def key(p):
    return (round(p[0] * 1e7), round(p[1] * 1e7))


folder = sys.argv[1]
data = json.load(open(f"{folder}/roads.json"))
directed = data["directed"]
max_snap = data["max_snap_m"]

segments = []  # (a, b, forward_allowed, backward_allowed)
for road in data["roads"]:
    pts = road["points"]
    oneway = road.get("oneway", 0) if directed else 0
    for a, b in zip(pts, pts[1:]):
        if key(a) == key(b):
            continue
        segments.append((a, b, oneway != -1, oneway != 1))


def foot(p, a, b):
    kx = math.cos(math.radians(p[1])) * R * math.pi / 180
    ky = R * math.pi / 180
    ax, ay = (a[0] - p[0]) * kx, (a[1] - p[1]) * ky
    dx, dy = (b[0] - a[0]) * kx, (b[1] - a[1]) * ky
    l2 = dx * dx + dy * dy
    t = 0.0 if l2 == 0 else min(1.0, max(0.0, -(ax * dx + ay * dy) / l2))
    x, y = ax + t * dx, ay + t * dy
    return x * x + y * y, t


def snap(p):
    best = None
    for s, (a, b, _, _) in enumerate(segments):
        d2, t = foot(p, a, b)
        if best is None or d2 < best[0]:
            best = (d2, s, t)
    s, t = best[1], best[2]
    a, b = segments[s][0], segments[s][1]
    q = (a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1]))
    d = haversine(p, q)
    return (s, t, q, d) if d <= max_snap else None


places = [("o", i, p) for i, p in enumerate(data["origins"])] + [("d", i, p) for i, p in enumerate(data["destinations"])]
splits = {}
snapped = {}
for kind, i, p in places:
    found = snap(p)
    if found is None:
        continue
    s, t, q, d = found
    snapped[(kind, i)] = d
    splits.setdefault(s, []).append((t, (kind, i), q))

G = nx.DiGraph()


def add(u, v, w):
    if G.has_edge(u, v):
        w = min(w, G[u][v]["weight"])
    G.add_edge(u, v, weight=w)


for s, (a, b, fwd, bwd) in enumerate(segments):
    chain = [(0.0, key(a), a)]
    for t, place, q in sorted(splits.get(s, []), key=lambda x: x[0]):
        chain.append((t, ("foot",) + place, q))
    chain.append((1.0, key(b), b))
    length = haversine(a, b)
    for (t1, n1, _), (t2, n2, _) in zip(chain, chain[1:]):
        w = (t2 - t1) * length
        if fwd:
            add(n1, n2, w)
        if bwd:
            add(n2, n1, w)
for place, d in snapped.items():
    add(place, ("foot",) + place, d)
    add(("foot",) + place, place, d)

sources = [("d", i) for i in range(len(data["destinations"])) if ("d", i) in snapped]
result = []
if sources:
    dist, paths = nx.multi_source_dijkstra(G.reverse(copy=False), sources, weight="weight")
else:
    dist, paths = {}, {}
for i in range(len(data["origins"])):
    o = ("o", i)
    if o in dist:
        result.append([dist[o], paths[o][0][1]])
    else:
        result.append(None)
print(json.dumps(result))
