"""Where artifacts go: a local folder, or a bucket through fsspec (s3://, memory://, ...).

gs:// goes through gcsfs when it is installed, else through google-cloud-storage (gcsfs pins an
exact fsspec version that would conflict with the s3fs the ingestion image uses).
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path
from urllib.parse import urlparse


class Store:
    uri: str

    def put_file(self, local_path: str, key: str) -> str:
        raise NotImplementedError

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

    def put_file(self, local_path: str, key: str) -> str:
        path = self._path(key)
        shutil.copyfile(local_path, path)
        return str(path)

    def put_bytes(self, data: bytes, key: str) -> str:
        path = self._path(key)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)  # readers never see a half-written record
        return str(path)


class FsspecStore(Store):
    def __init__(self, uri: str):
        import fsspec

        self.uri = uri.rstrip("/")
        self.fs, self.root = fsspec.core.url_to_fs(self.uri)
        self.protocol = urlparse(self.uri).scheme

    def _target(self, key: str) -> str:
        return f"{self.root.rstrip('/')}/{key}"

    def _uri(self, key: str) -> str:
        return f"{self.uri}/{key}"

    def put_file(self, local_path: str, key: str) -> str:
        self.fs.put_file(local_path, self._target(key))
        return self._uri(key)

    def put_bytes(self, data: bytes, key: str) -> str:
        self.fs.pipe_file(self._target(key), data)
        return self._uri(key)


class GcsClientStore(Store):
    def __init__(self, uri: str):
        from google.cloud import storage  # imported lazily: only GCP jobs need it

        parsed = urlparse(uri)
        self.uri = uri.rstrip("/")
        self.bucket = storage.Client().bucket(parsed.netloc)
        self.prefix = parsed.path.strip("/")

    def _blob(self, key: str):
        return self.bucket.blob(f"{self.prefix}/{key}" if self.prefix else key)

    def put_file(self, local_path: str, key: str) -> str:
        self._blob(key).upload_from_filename(local_path)
        return f"{self.uri}/{key}"

    def put_bytes(self, data: bytes, key: str) -> str:
        self._blob(key).upload_from_string(data, content_type="application/json")
        return f"{self.uri}/{key}"


def open_store(uri: str) -> Store:
    scheme = urlparse(uri).scheme
    if scheme in ("", "file") or (len(scheme) == 1 and os.name == "nt"):
        return LocalStore(urlparse(uri).path if scheme == "file" else uri)
    if scheme in ("gs", "gcs"):
        try:
            import gcsfs  # noqa: F401
        except ImportError:
            return GcsClientStore(uri)
    return FsspecStore(uri)
