"""Reference values for the Swift tests, from the published formulas (wandergis/coordTransform_py)."""
import math
x_pi = 3.14159265358979324 * 3000.0 / 180.0
pi = 3.1415926535897932384626
a = 6378245.0
ee = 0.00669342162296594323

def out_of_china(lng, lat):
    return not (72.004 <= lng <= 137.8347 and 0.8293 <= lat <= 55.8271)

def _lat(lng, lat):
    ret = -100.0 + 2.0 * lng + 3.0 * lat + 0.2 * lat * lat + 0.1 * lng * lat + 0.2 * math.sqrt(math.fabs(lng))
    ret += (20.0 * math.sin(6.0 * lng * pi) + 20.0 * math.sin(2.0 * lng * pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(lat * pi) + 40.0 * math.sin(lat / 3.0 * pi)) * 2.0 / 3.0
    ret += (160.0 * math.sin(lat / 12.0 * pi) + 320 * math.sin(lat * pi / 30.0)) * 2.0 / 3.0
    return ret

def _lng(lng, lat):
    ret = 300.0 + lng + 2.0 * lat + 0.1 * lng * lng + 0.1 * lng * lat + 0.1 * math.sqrt(math.fabs(lng))
    ret += (20.0 * math.sin(6.0 * lng * pi) + 20.0 * math.sin(2.0 * lng * pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(lng * pi) + 40.0 * math.sin(lng / 3.0 * pi)) * 2.0 / 3.0
    ret += (150.0 * math.sin(lng / 12.0 * pi) + 300.0 * math.sin(lng / 30.0 * pi)) * 2.0 / 3.0
    return ret

def wgs84_to_gcj02(lng, lat):
    if out_of_china(lng, lat):
        return [lng, lat]
    dlat = _lat(lng - 105.0, lat - 35.0)
    dlng = _lng(lng - 105.0, lat - 35.0)
    radlat = lat / 180.0 * pi
    magic = math.sin(radlat)
    magic = 1 - ee * magic * magic
    sqrtmagic = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((a * (1 - ee)) / (magic * sqrtmagic) * pi)
    dlng = (dlng * 180.0) / (a / sqrtmagic * math.cos(radlat) * pi)
    return [lng + dlng, lat + dlat]

def gcj02_to_wgs84_onestep(lng, lat):
    if out_of_china(lng, lat):
        return [lng, lat]
    g = wgs84_to_gcj02(lng, lat)
    return [lng * 2 - g[0], lat * 2 - g[1]]

def gcj02_to_wgs84_iter(lng, lat):
    if out_of_china(lng, lat):
        return [lng, lat]
    w = [lng, lat]
    for _ in range(50):
        g = wgs84_to_gcj02(*w)
        d = [lng - g[0], lat - g[1]]
        w = [w[0] + d[0], w[1] + d[1]]
        if abs(d[0]) < 1e-12 and abs(d[1]) < 1e-12:
            break
    return w

def gcj02_to_bd09(lng, lat):
    z = math.sqrt(lng * lng + lat * lat) + 0.00002 * math.sin(lat * x_pi)
    theta = math.atan2(lat, lng) + 0.000003 * math.cos(lng * x_pi)
    return [z * math.cos(theta) + 0.0065, z * math.sin(theta) + 0.006]

def bd09_to_gcj02(bd_lon, bd_lat):
    x = bd_lon - 0.0065
    y = bd_lat - 0.006
    z = math.sqrt(x * x + y * y) - 0.00002 * math.sin(y * x_pi)
    theta = math.atan2(y, x) - 0.000003 * math.cos(x * x_pi)
    return [z * math.cos(theta), z * math.sin(theta)]

p = (128.543, 37.065)
print("wgs84_to_gcj02", repr(wgs84_to_gcj02(*p)))
print("gcj02_to_wgs84 one-step", repr(gcj02_to_wgs84_onestep(*p)))
print("gcj02_to_wgs84 iterative", repr(gcj02_to_wgs84_iter(*p)))
print("bd09_to_gcj02", repr(bd09_to_gcj02(*p)))
print("gcj02_to_bd09", repr(gcj02_to_bd09(*p)))
print("bd09_to_wgs84", repr(gcj02_to_wgs84_iter(*bd09_to_gcj02(*p))))
print("wgs84_to_bd09", repr(gcj02_to_bd09(*wgs84_to_gcj02(*p))))
print("bd round trip", repr(bd09_to_gcj02(*gcj02_to_bd09(*p))))
g = wgs84_to_gcj02(112.45, 34.62)
print("luoyang wgs->gcj", g, "offset m", math.hypot((g[0]-112.45)*111195*math.cos(math.radians(34.62)), (g[1]-34.62)*111195))

# Great-circle distances on R = 6371008.8
R = 6371008.8
def hav(a, b):
    (l1, p1), (l2, p2) = [(math.radians(x), math.radians(y)) for x, y in (a, b)]
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin((l2 - l1) / 2) ** 2
    return 2 * R * math.asin(math.sqrt(h))
def vec(p):
    l, f = math.radians(p[0]), math.radians(p[1])
    return (math.cos(f) * math.cos(l), math.cos(f) * math.sin(l), math.sin(f))
def ang(u, v):
    c = [u[1]*v[2]-u[2]*v[1], u[2]*v[0]-u[0]*v[2], u[0]*v[1]-u[1]*v[0]]
    return math.atan2(math.sqrt(sum(x*x for x in c)), sum(x*y for x, y in zip(u, v)))
def seg_brute(p, a, b, n=200000):
    """Distance to the great-circle arc by dense slerp sampling + refinement."""
    A, B, P = vec(a), vec(b), vec(p)
    om = ang(A, B)
    best, bt = 1e9, 0
    for i in range(n + 1):
        t = i / n
        s = math.sin(om)
        w1, w2 = math.sin((1 - t) * om) / s, math.sin(t * om) / s
        Q = [w1 * x + w2 * y for x, y in zip(A, B)]
        d = ang(P, Q)
        if d < best:
            best, bt = d, t
    return best * R
print("1 deg lat", R * math.pi / 180)
print("luoyang-zhengzhou", repr(hav((112.45, 34.62), (113.62, 34.75))))
print("0.01 N of edge", repr(seg_brute((112.05, 34.01), (112.0, 34.0), (112.1, 34.0))))
print("0.01 N of edge planar-ish", 0.01 * R * math.pi / 180)
print("beyond endpoint", repr(seg_brute((112.2, 34.0), (112.0, 34.0), (112.1, 34.0))), repr(hav((112.2, 34.0), (112.1, 34.0))))
print("50km diag", repr(seg_brute((112.3, 34.5), (112.0, 34.0), (112.4, 34.3))))
print("meridian seg east", repr(seg_brute((112.01, 34.5), (112.0, 34.0), (112.0, 35.0))))

# Polygon distance references (square 112.0..112.1 x 34.0..34.1, hole 112.04..112.06 x 34.04..34.06)
print("north of square top edge", repr(seg_brute((112.05, 34.11), (112.0, 34.1), (112.1, 34.1))))
print("inside hole to hole top edge", repr(seg_brute((112.05, 34.055), (112.04, 34.06), (112.06, 34.06))))
print("NE of square corner", repr(hav((112.11, 34.11), (112.1, 34.1))))
