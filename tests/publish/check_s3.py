"""Reads a published sitrep site back from S3 with boto3, a client nobody on this project wrote.

    check_s3.py exact ENDPOINT BUCKET SITE_OUTPUT_DIR
        the bucket holds exactly the built files (bytes equal), each with the right
        Content-Type and Cache-Control, no stale file, and a manifest that matches them
    check_s3.py consistent ENDPOINT BUCKET
        what a reader sees now is whole: every link on every page leads to an object, and
        every file the manifest lists is there

Credentials come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY. Prints one line per
problem and exits 1 if there is any.
"""
import hashlib
import json
import os
import posixpath
import sys
from html.parser import HTMLParser
from urllib.parse import urlsplit

import boto3
from botocore.config import Config

MANIFEST = ".sitrep-manifest.json"
SHORT = "public, max-age=60"
TYPES = {
    "html": "text/html; charset=utf-8",
    "css": "text/css; charset=utf-8",
    "js": "text/javascript; charset=utf-8",
    "json": "application/json",
    "atom": "application/atom+xml; charset=utf-8",
    "rss": "application/rss+xml; charset=utf-8",
    "xml": "application/xml; charset=utf-8",
    "ics": "text/calendar; charset=utf-8",
    "txt": "text/plain; charset=utf-8",
    "svg": "image/svg+xml",
}


def client(endpoint):
    # Lossy links: boto3 retries too, with its own timeouts.
    config = Config(s3={"addressing_style": "path"}, retries={"max_attempts": 20, "mode": "standard"},
                    connect_timeout=5, read_timeout=20)
    return boto3.client("s3", endpoint_url=endpoint, region_name="auto", config=config)


def all_keys(s3, bucket):
    keys = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        keys += [o["Key"] for o in page.get("Contents", [])]
    return keys


def get(s3, bucket, key):
    return s3.get_object(Bucket=bucket, Key=key)


def expected_cache_control(key):
    name = key.rsplit("/", 1)[-1].split(".")
    if key.startswith("assets/") and len(name) >= 3 and len(name[-2]) == 16 and \
            all(c in "0123456789abcdef" for c in name[-2]):
        return "public, max-age=31536000, immutable"
    return "public, max-age=3600" if key.startswith("assets/") else SHORT


def exact(s3, bucket, site_dir):
    problems = []
    built = {}
    for folder, _, names in os.walk(site_dir):
        for name in names:
            if name == ".sitrep-output":  # the output writer's marker, not part of the site
                continue
            path = os.path.join(folder, name)
            built[os.path.relpath(path, site_dir).replace(os.sep, "/")] = open(path, "rb").read()
    keys = set(all_keys(s3, bucket))
    etags = {}
    for key in sorted(set(built) - keys):
        problems.append(f"missing: {key}")
    for key in sorted(keys - set(built) - {MANIFEST}):
        problems.append(f"stale (not in the site): {key}")
    for key in sorted(set(built) & keys):
        obj = get(s3, bucket, key)
        etags[key] = obj.get("ETag")
        body = obj["Body"].read()
        if body != built[key]:
            problems.append(f"content differs: {key}")
        ext = key.rsplit(".", 1)[-1]
        want_type = TYPES.get(ext)
        if want_type and obj.get("ContentType") != want_type:
            problems.append(f"{key}: Content-Type {obj.get('ContentType')!r}, want {want_type!r}")
        want_cache = expected_cache_control(key)
        if obj.get("CacheControl") != want_cache:
            problems.append(f"{key}: Cache-Control {obj.get('CacheControl')!r}, want {want_cache!r}")
    if MANIFEST not in keys:
        problems.append("no manifest")
    else:
        manifest = json.loads(get(s3, bucket, MANIFEST)["Body"].read())
        want = {k: {"sha256": hashlib.sha256(v).hexdigest(), "size": len(v)} for k, v in built.items()}
        files = manifest.get("files", {})
        # Each entry may also hold the ETag its upload was answered with; it must be the object's.
        if {k: {f: e.get(f) for f in ("sha256", "size")} for k, e in files.items()} != want:
            problems.append("the manifest's files do not match the site")
        for key, entry in files.items():
            etag = entry.get("etag")
            if etag is not None and key in etags and etag.strip('"') != (etags[key] or "").strip('"'):
                problems.append(f"{key}: the manifest's ETag {etag} is not the object's {etags[key]}")
        if not isinstance(manifest.get("digest"), str):
            problems.append("the manifest has no digest")
        if manifest.get("lease"):
            problems.append(f"the manifest still holds a lease: {manifest['lease']}")
        if manifest.get("stale"):
            problems.append(f"the manifest still lists stale files: {manifest['stale'][:5]}")
    print(f"exact: {len(built)} files checked, {len(problems)} problems")
    return problems


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.links.append(value)


def consistent(s3, bucket):
    problems = []
    keys = set(all_keys(s3, bucket))
    pages = [k for k in keys if k.endswith(".html")]
    checked = 0
    for page in pages:
        parser = Links()
        parser.feed(get(s3, bucket, page)["Body"].read().decode("utf-8"))
        for link in parser.links:
            parts = urlsplit(link)
            if parts.scheme or parts.netloc or not parts.path:
                continue
            target = parts.path if parts.path.startswith("/") else posixpath.join(posixpath.dirname(page), parts.path)
            target = posixpath.normpath(target).lstrip("/")
            if target in ("", "."):
                target = "index.html"
            elif link.split("#")[0].split("?")[0].endswith("/"):
                target += "/index.html"
            checked += 1
            if target not in keys:
                problems.append(f"{page} links to a missing {target}")
    if MANIFEST in keys:
        manifest = json.loads(get(s3, bucket, MANIFEST)["Body"].read())
        for key in manifest.get("files", {}):
            if key not in keys:
                problems.append(f"the manifest lists a missing {key}")
    print(f"consistent: {len(pages)} pages, {checked} links checked, {len(problems)} problems")
    return problems


def main():
    mode, endpoint, bucket = sys.argv[1:4]
    s3 = client(endpoint)
    problems = exact(s3, bucket, sys.argv[4]) if mode == "exact" else consistent(s3, bucket)
    for p in problems[:30]:
        print("  PROBLEM:", p)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
