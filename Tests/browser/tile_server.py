"""A stand-in base-map tile server on loopback: every /Z/X/Y.png is a 256-pixel PNG of one pale colour.

Usage: tile_server.py LOG — prints its address (http://127.0.0.1:PORT) on the first line, then serves until killed,
appending each tile's path to LOG.
"""
import http.server
import struct
import sys
import zlib

log = sys.argv[1]


def png(rgb):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    row = b"\x00" + bytes(rgb) * 256
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 256, 256, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(row * 256)) + chunk(b"IEND", b""))


TILE = png((200, 225, 240))


class Tiles(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        parts = self.path.split("?")[0].strip("/").split("/")
        if len(parts) != 3 or not parts[2].endswith(".png"):
            self.send_error(404)
            return
        with open(log, "a") as f:
            f.write(self.path + "\n")
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(TILE)))
        self.end_headers()
        self.wfile.write(TILE)

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Tiles)
print(f"http://127.0.0.1:{server.server_address[1]}", flush=True)
server.serve_forever()
