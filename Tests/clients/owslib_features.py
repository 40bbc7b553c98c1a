"""Reads the server's OGC API – Features with OWSLib (PyPI), as a Python GIS script would.

Usage: owslib_features.py URL [TOKEN] — prints one JSON object: the landing page's title, the conformance classes,
each collection's id and title, and for `facilities` every feature id got by following the `next` links 500 at a
time, the count the server says it matched, one feature by id, and a bbox page.
"""
import json
import sys

from owslib.ogcapi.features import Features

url = sys.argv[1]
headers = {"Authorization": "Bearer " + sys.argv[2]} if len(sys.argv) > 2 else None
api = Features(url, headers=headers)
seen = {"title": api.links and api.response.get("title")}
seen["conformance"] = api.conformance()["conformsTo"]
seen["collections"] = [[c["id"], c["title"]] for c in api.collections()["collections"]]

ids, matched, pages = [], None, 0
page = api.collection_items("facilities", limit=500)
while True:
    pages += 1
    matched = page["numberMatched"]
    ids += [f["id"] for f in page["features"]]
    following = [link["href"] for link in page["links"] if link["rel"] == "next"]
    if not following:
        break
    # OWSLib asks by parameters; a next link's are its query (after=…).
    query = dict(part.split("=", 1) for part in following[0].split("?", 1)[1].split("&"))
    page = api.collection_items("facilities", **query)
seen["ids"] = ids
seen["matched"] = matched
seen["pages"] = pages
one = api.collection_item("facilities", ids[len(ids) // 2])
seen["one"] = [one["id"], one["properties"]["name"], one["geometry"]["type"]]
box = api.collection_items("facilities", bbox=[112.40, 34.60, 112.50, 34.70], limit=10000)
seen["box"] = sorted(f["id"] for f in box["features"])
seen["box_matched"] = box["numberMatched"]
print(json.dumps(seen, ensure_ascii=False))
