#!/usr/bin/env python3
"""The GeoPandas side of Scripts/bench: the same work as FacilityMap, with a GeoPackage as the store.

Run inside the venv .bench/venv (geopandas, shapely, pyogrio, pyyaml; pyarrow makes reading and writing faster):

    bench_geopandas.py import-units --store S.gpkg DISTRICTS.geojson UNITS.csv
    bench_geopandas.py import-facilities --store S.gpkg FACILITIES.csv
    bench_geopandas.py coverage --store S.gpkg --targets T.yaml --year 2025 --out REPORT.json
    bench_geopandas.py export-facilities --store S.gpkg --out F.geojson
    bench_geopandas.py export-coverage --store S.gpkg --targets T.yaml --year 2025 --target ID --out F.geojson

The semantics are those of docs/targets.md (counting day, registration wins, unregistered facilities belong to
the finest polygon containing their point, populations summed bottom-up, the four metrics, shortfalls), written
with pandas, numpy and shapely the way an analyst would. Supported: unit_coverage with within_m 0 (registration,
or a point inside the unit's polygon), per_population, share on `inclusive`, count with and without per_area.
"""

import argparse
import json
import math
import re
import sys
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
import yaml

warnings.filterwarnings("ignore", category=RuntimeWarning, module="pyogrio")
try:
    import pyarrow  # noqa: F401

    ARROW = True
except ImportError:
    ARROW = False

EARTH_RADIUS_M = 6_371_008.8
RANK = {"city": 0, "district": 1, "township": 2, "community": 3, "village": 3}
LEVEL_ALIASES = {"county": "district", "区县": "district", "县": "district", "区": "district", "市": "city",
                 "乡镇": "township", "街道": "township", "社区": "community", "村": "village", "行政村": "village"}
KINDS = {
    "kindergarten": ["幼儿园"], "primary_school": ["小学"], "middle_school": ["初中", "初级中学"],
    "high_school": ["高中", "高级中学"], "vocational_school": ["中等职业学校", "中职"], "university": ["高等学校", "高校"],
    "community_college": ["社区学院"], "senior_education_center": ["老年教育中心"], "hospital": ["医院", "综合医院"],
    "tcm_hospital": ["中医院"], "mch_hospital": ["妇幼保健院"], "community_health_center": ["社区卫生服务中心"],
    "community_health_station": ["社区卫生服务站"], "township_health_center": ["乡镇卫生院"], "village_clinic": ["村卫生室"],
    "street_elderly_center": ["街道综合养老服务中心"], "community_elderly_center": ["社区养老服务中心"],
    "neighborhood_elderly_station": ["居民小区养老服务站"], "nursing_home": ["敬老院", "养老院"],
    "rural_mutual_aid_home": ["农村互助幸福院", "集中居家互助养老点"],
}
KIND_BY_NAME = {}
for _kind, _names in KINDS.items():
    KIND_BY_NAME[_kind] = _kind
    KIND_BY_NAME[_kind.replace("_", "-")] = _kind
    for _name in _names:
        KIND_BY_NAME[_name] = _kind
FACILITY_COLUMNS = {"id": "编号", "name": "名称", "kind": "类型", "lon": "经度", "lat": "纬度", "unit": "所属区划代码",
                    "beds": "床位数", "doctors": "医生数", "gps": "全科医生数", "places": "学位数", "inclusive": "普惠",
                    "level": "等级", "opened": "开办日期", "closed": "关闭日期"}
UNIT_COLUMNS = {"code": "区划代码", "name": "名称", "level": "级别", "parent": "上级代码", "population": "人口",
                "lon": "经度", "lat": "纬度"}
TRUE = {"true", "1", "yes", "是", "y", "t"}
FALSE = {"false", "0", "no", "否", "n", "f"}
COUNTS = ("beds", "doctors", "gps", "places")
TOLERANCE = 1e-9


def read_gpkg(path, layer, columns=None):
    return gpd.read_file(path, layer=layer, columns=columns, engine="pyogrio", use_arrow=ARROW)


def write_gpkg(frame, path, layer):
    frame.to_file(path, layer=layer, driver="GPKG", engine="pyogrio", use_arrow=ARROW)


def read_text_csv(path, aliases):
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig",
                        engine="pyarrow" if ARROW else "c")
    rename = {}
    for english, chinese in aliases.items():
        if english not in frame.columns and chinese in frame.columns:
            rename[chinese] = english
    frame = frame.rename(columns=rename)
    for column in aliases:
        if column not in frame.columns:
            frame[column] = ""
        frame[column] = frame[column].fillna("").astype(str).str.strip()
    return frame


# --------------------------------------------------------------------------------------------- imports


def import_units(args):
    """Districts (GeoJSON polygons) and communities/villages (CSV points): validated, written to the store."""
    boundaries = gpd.read_file(args.districts, engine="pyogrio", use_arrow=ARROW)
    for wanted, alternatives in (("code", ["adcode"]), ("parent", ["parent_code", "parent_adcode"])):
        if wanted not in boundaries.columns:
            for alt in alternatives:
                if alt in boundaries.columns:
                    boundaries = boundaries.rename(columns={alt: wanted})
                    break
    for column in ("code", "name", "level", "parent", "population"):
        if column not in boundaries.columns:
            boundaries[column] = None
    boundaries = boundaries[["code", "name", "level", "parent", "population", "geometry"]].copy()
    boundaries["code"] = boundaries["code"].astype(str)
    boundaries["parent"] = boundaries["parent"].astype("string")
    boundaries["level"] = boundaries["level"].astype(str).map(lambda x: LEVEL_ALIASES.get(x, x))
    ok = boundaries["level"].isin(RANK.keys()) & boundaries["code"].str.len().gt(0)
    types = shapely.get_type_id(boundaries.geometry.values)
    ok &= np.isin(types, [3, 6]) | (types == 0)
    minx, miny, maxx, maxy = shapely.bounds(boundaries.geometry.values).T
    ok &= (minx >= -180) & (maxx <= 180) & (miny >= -90) & (maxy <= 90)
    invalid = ~shapely.is_valid(boundaries.geometry.values)
    if invalid.any():
        boundaries.loc[invalid, "geometry"] = shapely.make_valid(boundaries.geometry.values[invalid])
    boundaries = boundaries[ok]
    polygons = boundaries[np.isin(shapely.get_type_id(boundaries.geometry.values), [3, 6])].copy()
    polygons["geometry"] = shapely.force_2d(polygons.geometry.values)
    polygons["population"] = pd.to_numeric(polygons["population"], errors="coerce").astype("Int64")

    csv = read_text_csv(args.units, UNIT_COLUMNS)
    csv["level"] = csv["level"].map(lambda x: LEVEL_ALIASES.get(x, x))
    lon = pd.to_numeric(csv["lon"], errors="coerce")
    lat = pd.to_numeric(csv["lat"], errors="coerce")
    population = pd.to_numeric(csv["population"].where(csv["population"] != ""), errors="coerce")
    ok = (csv["code"] != "") & (csv["name"] != "") & csv["level"].isin(RANK.keys())
    ok &= ((lon.between(-180, 180) & lat.between(-90, 90)) | ((csv["lon"] == "") & (csv["lat"] == "")))
    ok &= (csv["population"] == "") | (population.notna() & (population >= 0) & (population % 1 == 0))
    csv = csv[ok]
    points = gpd.GeoDataFrame(
        {"code": csv["code"].values, "name": csv["name"].values, "level": csv["level"].values,
         "parent": csv["parent"].replace("", None).values, "population": population[ok].astype("Int64").values},
        geometry=gpd.points_from_xy(lon[ok], lat[ok]), crs="EPSG:4326")
    points.loc[csv["lon"].values == "", "geometry"] = None

    polygons = polygons.set_crs("EPSG:4326", allow_override=True)
    # Codes are unique: the first wins, as in FacilityMap.
    seen = set(polygons["code"])
    points = points[~points["code"].isin(seen) & ~points["code"].duplicated()]
    polygons = polygons[~polygons["code"].duplicated()]
    write_gpkg(polygons, args.store, "unit_boundaries")
    write_gpkg(points, args.store, "unit_points")
    print(json.dumps({"units": len(polygons) + len(points)}))


def normalise_days(text, end):
    """YYYY or YYYY-MM-DD (also / and .) → YYYY-MM-DD; a bare year is its first day, or its last when end."""
    s = text.str.replace("/", "-", regex=False).str.replace(".", "-", regex=False)
    bare = s.str.fullmatch(r"\d{4}")
    full = s.str.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}")
    parts = s.where(full, "").str.split("-", expand=True)
    out = pd.Series(pd.NA, index=text.index, dtype="string")
    if full.any():
        ymd = parts[0].str.zfill(4) + "-" + parts[1].str.zfill(2) + "-" + parts[2].str.zfill(2)
        valid = pd.to_datetime(ymd.where(full), format="%Y-%m-%d", errors="coerce").notna()
        out = out.mask(full & valid, ymd)
    out = out.mask(bare, s + ("-12-31" if end else "-01-01"))
    bad = (text != "") & out.isna()
    return out, bad


def import_facilities(args):
    """The facilities CSV: every field validated, points tested against the city and district polygons."""
    frame = read_text_csv(args.facilities, FACILITY_COLUMNS)
    n = len(frame)
    bad = (frame["id"] == "") | (frame["name"] == "")
    kind = frame["kind"].map(KIND_BY_NAME)
    bad |= kind.isna()
    lon = pd.to_numeric(frame["lon"], errors="coerce")
    lat = pd.to_numeric(frame["lat"], errors="coerce")
    bad |= ~(lon.between(-180, 180) & lat.between(-90, 90))
    counts = {}
    for column in COUNTS:
        text = frame[column]
        good = (text == "") | text.str.fullmatch(r"\d+")
        bad |= ~good
        counts[column] = pd.to_numeric(text.where(good & (text != "")), errors="coerce").astype("Int64")
    inclusive_text = frame["inclusive"].str.lower()
    bad |= ~((inclusive_text == "") | inclusive_text.isin(TRUE) | inclusive_text.isin(FALSE))
    inclusive = pd.Series(pd.NA, index=frame.index, dtype="boolean")
    inclusive = inclusive.mask(inclusive_text.isin(TRUE), True).mask(inclusive_text.isin(FALSE), False)
    opened, bad_opened = normalise_days(frame["opened"], end=False)
    closed, bad_closed = normalise_days(frame["closed"], end=True)
    bad |= bad_opened | bad_closed
    bad |= (opened.notna() & closed.notna() & (closed < opened)).fillna(False).astype(bool)
    bad |= frame["id"].duplicated()

    # Inside a loaded city or district polygon.
    areas = read_gpkg(args.store, "unit_boundaries", columns=["code", "level"])
    areas = areas[areas["level"].isin(["city", "district"])]
    points = gpd.points_from_xy(lon.fillna(0), lat.fillna(0))
    if len(areas):
        tree = shapely.STRtree(areas.geometry.values)
        hits = tree.query(points, predicate="within")
        inside = np.zeros(n, dtype=bool)
        inside[hits[0]] = True
        bad |= ~inside
    keep = ~bad.to_numpy()
    out = gpd.GeoDataFrame({
        "id": frame["id"].values[keep], "name": frame["name"].values[keep], "kind": kind.values[keep],
        "unit": frame["unit"].replace("", None).values[keep],
        **{c: counts[c].values[keep] for c in COUNTS},
        "inclusive": inclusive.values[keep], "level": frame["level"].replace("", None).values[keep],
        "opened": opened.values[keep], "closed": closed.values[keep],
    }, geometry=points[keep], crs="EPSG:4326")
    write_gpkg(out, args.store, "facilities")
    print(json.dumps({"facilities": int(keep.sum()), "rejected": int(n - keep.sum())}))


# -------------------------------------------------------------------------------------------- coverage


class Model:
    """Units and facilities from the store, with each unit's parent, each facility's anchor and populations."""

    def __init__(self, store, facility_columns):
        polygons = read_gpkg(store, "unit_boundaries")
        points = read_gpkg(store, "unit_points")
        polygons["boundary"], polygons["location"] = polygons.geometry.values, None
        points["boundary"], points["location"] = None, points.geometry.values
        columns = ["code", "name", "level", "parent", "population", "boundary", "location"]
        units = pd.concat([pd.DataFrame(polygons[columns]), pd.DataFrame(points[columns])], ignore_index=True)
        units = units.sort_values("code", kind="stable").drop_duplicates("code").reset_index(drop=True)
        self.units = units
        self.n = len(units)
        self.code_index = pd.Series(np.arange(self.n), index=units["code"].values)
        self.level = units["level"].to_numpy()
        self.rank = units["level"].map(RANK).to_numpy()
        self.facilities = read_gpkg(store, "facilities", columns=facility_columns)

        boundary = units["boundary"].to_numpy()
        self.has_polygon = np.array([g is not None for g in boundary])
        self.polygon_units = np.flatnonzero(self.has_polygon)
        self.polygon_tree = shapely.STRtree(boundary[self.polygon_units]) if len(self.polygon_units) else None

        parent = units["parent"].map(self.code_index).fillna(-1).astype(np.int64).to_numpy().copy()
        parent[parent == np.arange(self.n)] = -1
        orphans = np.flatnonzero(parent < 0)
        if len(orphans):
            location = units["location"].to_numpy()[orphans]
            at = np.array([loc if loc is not None else (b.representative_point() if b is not None else None)
                           for loc, b in zip(location, boundary[orphans])], dtype=object)
            has = np.array([p is not None for p in at])
            found = self.finest_polygon(at[has], self.rank[orphans[has]], exclude=orphans[has])
            parent[orphans[has]] = found
        self.parent = parent

        # Each facility's unit: registered when loaded, else the finest polygon holding its point (sjoin).
        registered = self.facilities["unit"].map(self.code_index)
        anchor = registered.fillna(-1).astype(np.int64).to_numpy().copy()
        loose = np.flatnonzero(anchor < 0)
        if len(loose):
            anchor[loose] = self.finest_polygon(self.facilities.geometry.values[loose], np.full(len(loose), 99),
                                                exclude=np.full(len(loose), -1))
        self.anchor = anchor
        self.population = self.populations()
        self._ancestors = {}

    def finest_polygon(self, points, max_rank, exclude):
        """For each point, the finest polygon unit containing it whose rank is below max_rank (lowest index on
        ties), or -1: an sjoin of points within the unit polygons."""
        result = np.full(len(points), -1, dtype=np.int64)
        if self.polygon_tree is None or len(points) == 0:
            return result
        left = gpd.GeoDataFrame({"max_rank": max_rank, "exclude": exclude}, geometry=np.asarray(points, dtype=object))
        right = gpd.GeoDataFrame({"unit": self.polygon_units}, geometry=self.polygon_tree.geometries)
        joined = gpd.sjoin(left, right, predicate="within", how="inner")
        joined["rank"] = self.rank[joined["unit"].to_numpy()]
        joined = joined[(joined["rank"] < joined["max_rank"]) & (joined["unit"] != joined["exclude"])]
        joined = joined.reset_index().sort_values(["index", "rank", "unit"], ascending=[True, False, True])
        best = joined.drop_duplicates("index")
        result[best["index"].to_numpy()] = best["unit"].to_numpy()
        return result

    def depth(self):
        d = np.zeros(self.n, dtype=np.int64)
        cur = self.parent.copy()
        for _ in range(32):
            alive = cur >= 0
            if not alive.any():
                break
            d += alive
            cur = np.where(alive, self.parent[np.maximum(cur, 0)], -1)
        return d

    def populations(self):
        own = pd.to_numeric(self.units["population"], errors="coerce").to_numpy(dtype=float)
        population = np.full(self.n, np.nan)
        child_sum = np.zeros(self.n)
        child_has = np.zeros(self.n, dtype=bool)
        depth = self.depth()
        for d in range(depth.max(initial=0), -1, -1):
            idx = np.flatnonzero(depth == d)
            value = np.where(np.isnan(own[idx]), np.where(child_has[idx], child_sum[idx], np.nan), own[idx])
            population[idx] = value
            p = self.parent[idx]
            ok = (p >= 0) & ~np.isnan(value)
            np.add.at(child_sum, p[ok], value[ok])
            child_has[p[ok]] = True
        return population

    def ancestors(self, level):
        """For each unit, itself or its ancestor of `level`, or -1."""
        if level in self._ancestors:
            return self._ancestors[level]
        result = np.full(self.n, -1, dtype=np.int64)
        cur = np.arange(self.n)
        active = np.ones(self.n, dtype=bool)
        for _ in range(33):
            hit = active & (self.level[np.maximum(cur, 0)] == level)
            result[hit] = cur[hit]
            active &= ~hit
            cur = np.where(active, self.parent[np.maximum(cur, 0)], -1)
            active &= cur >= 0
            if not active.any():
                break
        self._ancestors[level] = result
        return result

    def via(self, table, units):
        """table[units] with -1 kept for -1."""
        return np.where(units >= 0, table[np.maximum(units, 0)], -1)

    def counting(self, day, kinds):
        f = self.facilities
        opened, closed = f["opened"], f["closed"]
        open_ = (opened.isna() | (opened <= day)) & (closed.isna() | (closed > day))
        return (open_ & f["kind"].isin(kinds)).to_numpy()


def ceiling(x):
    return math.ceil(x - TOLERANCE * max(1.0, abs(x)))


def judge_ratio(num, den, goal, empty, scale=1.0):
    if not den or den <= 0:
        return {"numerator": num, "denominator": den, "actual": None, "goal": goal, "met": None, "shortfall": None,
                "note": empty}
    actual = num / den * scale
    if goal is None:
        return {"numerator": num, "denominator": den, "actual": actual, "goal": None, "met": None, "shortfall": None}
    met = actual >= goal - TOLERANCE
    return {"numerator": num, "denominator": den, "actual": actual, "goal": goal, "met": bool(met),
            "shortfall": 0 if met else max(0, ceiling(goal * den / scale) - num)}


def judge_count(num, goal):
    if goal is None:
        return {"numerator": num, "denominator": None, "actual": num, "goal": None, "met": None, "shortfall": None}
    met = num >= goal - TOLERANCE
    return {"numerator": num, "denominator": None, "actual": num, "goal": goal, "met": bool(met),
            "shortfall": 0 if met else ceiling(goal - num)}


def load_plan(path):
    with open(path, encoding="utf-8") as f:
        plan = yaml.safe_load(f)
    for target in plan["targets"]:
        target["kinds"] = [KIND_BY_NAME[k] for k in target["kinds"]]
        target["goals"] = {int(y): float(g) for y, g in (target.get("goals") or {}).items()}
        if target.get("units"):
            target["units"] = LEVEL_ALIASES.get(target["units"], target["units"])
        if target.get("per_area"):
            target["per_area"] = LEVEL_ALIASES.get(target["per_area"], target["per_area"])
    return plan


class Coverage:
    def __init__(self, model, plan, year, by="district"):
        self.m, self.plan, self.year = model, plan, year
        self.day = f"{year:04d}-12-31"
        m = model
        area = plan.get("area")
        self.area = int(m.code_index[area]) if area is not None and area in m.code_index.index else None
        if self.area is None:
            self.in_plan = np.ones(m.n, dtype=bool)
            self.facility_in_plan = np.ones(len(m.facilities), dtype=bool)
        else:
            top = m.ancestors(m.level[self.area])
            self.in_plan = top == self.area
            self.facility_in_plan = (m.anchor >= 0) & self.in_plan[np.maximum(m.anchor, 0)]
        self.by = by
        self.by_anc = m.ancestors(by)
        rows = np.flatnonzero((m.level == by) & self.in_plan)
        self.rows = rows[np.argsort(m.units["code"].to_numpy()[rows], kind="stable")]
        self.codes = m.units["code"].to_numpy()

    def unit_counts(self, target, counting):
        """Per unit: counting facilities registered to it (or below it) or inside its polygon; and the counted units."""
        m = self.m
        level = target["units"]
        if float(target.get("within_m") or 0) != 0:
            raise SystemExit(f"{target['id']}: within_m > 0 is not implemented on the GeoPandas side")
        counted = np.flatnonzero((m.level == level) & self.in_plan)
        idx = np.flatnonzero(counting)
        at = m.via(m.ancestors(level), m.anchor[idx])
        count = np.bincount(at[at >= 0], minlength=m.n)
        with_polygon = counted[m.has_polygon[counted]]
        if len(with_polygon) and len(idx):
            tree = shapely.STRtree(m.facilities.geometry.values[idx])
            polys = m.units["boundary"].to_numpy()[with_polygon]
            pairs = tree.query(polys, predicate="contains")
            unit = with_polygon[pairs[0]]
            extra = unit != at[pairs[1]]
            np.add.at(count, unit[extra], 1)
        return count, counted

    def target(self, target):
        m = self.m
        goal = target["goals"].get(self.year)
        counting = m.counting(self.day, target["kinds"])
        metric = target["metric"]
        result = {"id": target["id"], "metric": metric, "goal": goal}
        if metric == "unit_coverage":
            count, counted = self.unit_counts(target, counting)
            covered = count[counted] > 0
            row_of = self.by_anc[counted]
            empty = f"no {target['units']} units"
            result["total"] = judge_ratio(int(covered.sum()), len(counted), goal, empty)
            den = np.bincount(row_of[row_of >= 0], minlength=m.n)
            num = np.bincount(row_of[(row_of >= 0) & covered], minlength=m.n)
            uncovered = {}
            for u, r in zip(counted[~covered], row_of[~covered]):
                uncovered.setdefault(int(r), []).append(self.codes[u])
            result["areas"] = [dict(code=self.codes[a], uncovered=sorted(uncovered.get(int(a), [])),
                                    **judge_ratio(int(num[a]), int(den[a]), goal, empty)) for a in self.rows]
            return result
        chosen = counting & self.facility_in_plan
        f = m.facilities
        row_of = m.via(self.by_anc, m.anchor)

        def sums(values):
            values = np.where(chosen, values, 0.0)
            rows = np.bincount(row_of[row_of >= 0], weights=values[row_of >= 0], minlength=m.n)
            return rows, float(values.sum())

        if metric == "per_population":
            per = float(target.get("per") or 1)
            rows, total = sums(f[target["field"]].astype("Float64").fillna(0).to_numpy(dtype=float))

            def judge(s, people):
                if people is None or np.isnan(people) or people <= 0:
                    return {"numerator": s, "denominator": None, "actual": None, "goal": goal, "met": None,
                            "shortfall": None, "note": "no population"}
                return judge_ratio(s, people, goal, "no population", scale=per)

            if self.area is not None:
                people = m.population[self.area]
            else:
                roots = m.population[m.parent < 0]
                people = np.nansum(roots) if (~np.isnan(roots)).any() else None
            result["total"] = judge(total, people)
            result["areas"] = [dict(code=self.codes[a], **judge(rows[a], m.population[a])) for a in self.rows]
        elif metric == "share":
            attribute = target.get("where") or "inclusive"
            if attribute != "inclusive":
                raise SystemExit(f"{target['id']}: share on {attribute} is not implemented on the GeoPandas side")
            amount = (f[target["field"]].astype("Float64").fillna(0).to_numpy(dtype=float) if target.get("field")
                      else np.ones(len(f)))
            holds = f["inclusive"].fillna(False).to_numpy(dtype=bool)
            all_rows, all_total = sums(amount)
            sel_rows, sel_total = sums(np.where(holds, amount, 0.0))
            what = f"no {target['field']}" if target.get("field") else "no facilities"
            result["total"] = judge_ratio(sel_total, all_total, goal, what)
            result["areas"] = [dict(code=self.codes[a], **judge_ratio(sel_rows[a], all_rows[a], goal, what))
                               for a in self.rows]
        elif metric == "count" and target.get("per_area"):
            level, minimum = target["per_area"], int(target.get("min", 1))
            idx = np.flatnonzero(chosen & (m.anchor >= 0))
            at_level = m.via(m.ancestors(level), m.anchor[idx])
            per_area = np.bincount(at_level[at_level >= 0], minlength=m.n)
            rows_count = np.bincount(row_of[idx][row_of[idx] >= 0], minlength=m.n)
            areas = np.flatnonzero((m.level == level) & self.in_plan)
            meets = per_area[areas] >= minimum
            empty = f"no {level} units"
            result["total"] = judge_ratio(int(meets.sum()), len(areas), goal, empty)
            area_row = self.by_anc[areas]
            rows = []
            for a in self.rows:
                if self.by == level:
                    r = judge_count(int(per_area[a]), None if goal is None else float(minimum))
                elif RANK[self.by] < RANK[level]:
                    inside = area_row == a
                    r = judge_ratio(int(meets[inside].sum()), int(inside.sum()), goal, empty)
                else:
                    r = judge_count(int(rows_count[a]), None)
                rows.append(dict(code=self.codes[a], **r))
            result["areas"] = rows
        elif metric == "count":
            rows, total = sums(np.ones(len(f)))
            result["total"] = judge_count(total, goal)
            result["areas"] = [dict(code=self.codes[a], **judge_count(rows[a], None)) for a in self.rows]
        else:
            raise SystemExit(f"{target['id']}: unknown metric {metric}")
        return result


MEASURE_COLUMNS = ["id", "kind", "unit", "beds", "gps", "places", "inclusive", "opened", "closed"]


def coverage(args):
    plan = load_plan(args.targets)
    model = Model(args.store, MEASURE_COLUMNS)
    engine = Coverage(model, plan, args.year)
    report = {"plan": plan.get("plan"), "year": args.year, "as_of": engine.day, "by": "district",
              "targets": [engine.target(t) for t in plan["targets"]]}
    with open(args.out, "w", encoding="utf-8") as out:
        json.dump(report, out, ensure_ascii=False, default=lambda x: x.item() if hasattr(x, "item") else str(x))


def haversine(lon1, lat1, lon2, lat2):
    p1, p2 = np.radians(lat1), np.radians(lat2)
    s_lat = np.sin((p2 - p1) / 2)
    s_lon = np.sin(np.radians(lon2 - lon1) / 2)
    h = np.clip(s_lat * s_lat + np.cos(p1) * np.cos(p2) * s_lon * s_lon, 0, 1)
    return 2 * EARTH_RADIUS_M * np.arctan2(np.sqrt(h), np.sqrt(1 - h))


def nearest_metres(unit_points, facility_points):
    """Great-circle metres from each unit point to the nearest facility point: the STRtree's planar nearest
    gives an upper bound d0; every point closer than d0 lies in the lon/lat box that d0 spans, so the box's
    candidates are measured exactly."""
    if len(facility_points) == 0:
        return np.full(len(unit_points), np.nan)
    tree = shapely.STRtree(facility_points)
    ux, uy = shapely.get_x(unit_points), shapely.get_y(unit_points)
    fx, fy = shapely.get_x(facility_points), shapely.get_y(facility_points)
    first = tree.query_nearest(unit_points, all_matches=False)
    best = np.full(len(unit_points), np.inf)
    best[first[0]] = haversine(ux[first[0]], uy[first[0]], fx[first[1]], fy[first[1]])
    dlat = np.degrees(best / EARTH_RADIUS_M) * 1.001 + 1e-7
    top = np.minimum(np.abs(uy) + dlat, 89.999)
    dlon = np.minimum(dlat / np.cos(np.radians(top)), 180)
    boxes = shapely.box(ux - dlon, uy - dlat, ux + dlon, uy + dlat)
    pairs = tree.query(boxes, predicate="intersects")
    d = haversine(ux[pairs[0]], uy[pairs[0]], fx[pairs[1]], fy[pairs[1]])
    np.minimum.at(best, pairs[0], d)
    return best


def export_coverage(args):
    plan = load_plan(args.targets)
    target = next(t for t in plan["targets"] if t["id"] == args.target)
    if target["metric"] != "unit_coverage":
        raise SystemExit("the GeoPandas side exports unit_coverage targets only")
    model = Model(args.store, ["id", "kind", "unit", "opened", "closed"])
    engine = Coverage(model, plan, args.year)
    counting = model.counting(engine.day, target["kinds"])
    count, counted = engine.unit_counts(target, counting)
    counted = counted[np.argsort(engine.codes[counted], kind="stable")]
    units = model.units.iloc[counted]
    if units["boundary"].notna().any() or units["location"].isna().any():
        raise SystemExit("the GeoPandas side measures distances from unit points only")
    facility_points = model.facilities.geometry.values[counting]
    nearest = nearest_metres(units["location"].to_numpy(), np.asarray(facility_points))
    nearest = np.where(np.isfinite(nearest), np.floor(nearest * 10 + 0.5) / 10, np.nan)
    out = gpd.GeoDataFrame({
        "code": units["code"].values, "name": units["name"].values, "level": units["level"].values,
        "parent": units["parent"].values, "population": units["population"].astype("Int64").values,
        "covered": count[counted] > 0, "nearest_m": nearest, "facility_count": count[counted],
    }, geometry=units["location"].values, crs="EPSG:4326")
    members = {"plan": plan.get("plan"), "target": target["id"], "title": target.get("title", target["id"]),
               "metric": target["metric"], "year": args.year, "as_of": engine.day,
               "goal": target["goals"].get(args.year), "within_m": float(target.get("within_m") or 0)}
    write_geojson(out, args.out, members)


def write_geojson(frame, path, members=None):
    """RFC 7946 GeoJSON, 6 decimals, the first column also as each feature's id (as FacilityMap writes it)."""
    frame = frame.copy()
    frame.insert(0, "feature_id", frame[frame.columns[0]])
    options = {"RFC7946": "YES", "COORDINATE_PRECISION": 6, "WRITE_NAME": "NO", "ID_FIELD": "feature_id"}
    if members:
        options["FOREIGN_MEMBERS_COLLECTION"] = json.dumps(members, ensure_ascii=False)
    pyogrio.write_dataframe(frame, path, driver="GeoJSON", layer_options=options, use_arrow=ARROW)


def export_facilities(args):
    frame = read_gpkg(args.store, "facilities")
    frame.insert(3, "kind_zh", frame["kind"].map(lambda k: KINDS[k][0]))
    for column in COUNTS:
        frame[column] = frame[column].astype("Int64")
    columns = ["id", "name", "kind", "kind_zh", "unit", "beds", "doctors", "gps", "places", "inclusive", "level",
               "opened", "closed"]
    write_geojson(frame[columns + ["geometry"]], args.out)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("import-units")
    p.add_argument("--store", required=True)
    p.add_argument("districts")
    p.add_argument("units")
    p = sub.add_parser("import-facilities")
    p.add_argument("--store", required=True)
    p.add_argument("facilities")
    for name in ("coverage", "export-coverage"):
        p = sub.add_parser(name)
        p.add_argument("--store", required=True)
        p.add_argument("--targets", required=True)
        p.add_argument("--year", type=int, required=True)
        p.add_argument("--out", required=True)
        if name == "export-coverage":
            p.add_argument("--target", required=True)
    p = sub.add_parser("export-facilities")
    p.add_argument("--store", required=True)
    p.add_argument("--out", required=True)
    args = parser.parse_args()
    {"import-units": import_units, "import-facilities": import_facilities, "coverage": coverage,
     "export-facilities": export_facilities, "export-coverage": export_coverage}[args.command](args)


if __name__ == "__main__":
    main()
