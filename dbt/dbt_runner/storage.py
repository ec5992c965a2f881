"""Where artifacts go: a local folder, or a bucket through fsspec: s3:// with s3fs, gs:// with gcsfs
(memory:// and any other fsspec URL work too). The ingestion image writes to the same buckets with
the same fsspec/s3fs/gcsfs versions (see requirements.txt).

Credentials: gs:// uses Application Default Credentials explicitly (the job's service account), so
missing credentials fail the upload instead of gcsfs silently falling back to anonymous access;
s3:// uses the AWS default chain (s3fs's default).
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlparse


class Store:
    uri: str

    def put_bytes(self, data: bytes, key: str) -> str:
        raise NotImplementedError


class LocalStore(Store):
    def __init__(self, root: str):
        self.root = Path(root).expanduser().resolve()
        self.uri = str(self.root)

    def _path(self, key: str) -> Path:
        path = self.root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def put_bytes(self, data: bytes, key: str) -> str:
        path = self._path(key)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)  # readers never see a half-written record
        return str(path)


class FsspecStore(Store):
    def __init__(self, uri: str, **storage_options):
        import fsspec

        self.uri = uri.rstrip("/")
        self.fs, self.root = fsspec.core.url_to_fs(self.uri, **storage_options)

    def _target(self, key: str) -> str:
        return f"{self.root.rstrip('/')}/{key}"

    def _uri(self, key: str) -> str:
        return f"{self.uri}/{key}"

    def put_bytes(self, data: bytes, key: str) -> str:
        self.fs.pipe_file(self._target(key), data)
        return self._uri(key)


def open_store(uri: str) -> Store:
    scheme = urlparse(uri).scheme
    if scheme in ("", "file") or (len(scheme) == 1 and os.name == "nt"):
        return LocalStore(urlparse(uri).path if scheme == "file" else uri)
    if scheme in ("gs", "gcs"):
        return FsspecStore(uri, token="google_default")
    return FsspecStore(uri)
