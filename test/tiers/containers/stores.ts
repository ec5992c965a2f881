/**
 * The test's own view of the emulated buckets (create, put, list, get), over each emulator's HTTP
 * API, so what the containers wrote is read back independently of the code under test.
 * moto accepts unsigned requests; fake-gcs-server serves the GCS JSON API without auth.
 */
export interface ObjectStore {
  scheme: "s3" | "gs";
  createBucket(bucket: string): Promise<void>;
  put(bucket: string, key: string, body: Buffer | string): Promise<void>;
  list(bucket: string, prefix?: string): Promise<string[]>;
  get(bucket: string, key: string): Promise<string>;
}

async function ok(r: Response, what: string): Promise<Response> {
  if (!r.ok) throw new Error(`${what}: HTTP ${r.status} ${await r.text()}`);
  return r;
}

/**
 * moto does not verify signatures, but it answers anonymous GETs of objects written by a principal
 * with 403 (as S3 would): an Authorization header makes the test's requests a principal's.
 */
const S3_AUTH = { authorization: "AWS4-HMAC-SHA256 Credential=AKIATESTREADER/20240101/eu-west-1/s3/aws4_request, SignedHeaders=host, Signature=0" };

export function s3Store(endpoint: string): ObjectStore {
  const fetch = (url: string, init: RequestInit = {}) => globalThis.fetch(url, { ...init, headers: { ...S3_AUTH, ...(init.headers as Record<string, string>) } });
  return {
    scheme: "s3",
    async createBucket(bucket) {
      // In the stacks' region (eu-west-1): S3 refuses a bucket without a location outside us-east-1.
      const body = "<CreateBucketConfiguration><LocationConstraint>eu-west-1</LocationConstraint></CreateBucketConfiguration>";
      await ok(await fetch(`${endpoint}/${bucket}`, { method: "PUT", body }), `create s3://${bucket}`);
    },
    async put(bucket, key, body) {
      await ok(await fetch(`${endpoint}/${bucket}/${key}`, { method: "PUT", body }), `put s3://${bucket}/${key}`);
    },
    async list(bucket, prefix = "") {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const q = new URLSearchParams({ "list-type": "2", prefix, ...(token ? { "continuation-token": token } : {}) });
        const xml = await (await ok(await fetch(`${endpoint}/${bucket}?${q}`), `list s3://${bucket}`)).text();
        keys.push(...[...xml.matchAll(/<Key>([^<]*)<\/Key>/g)].map((m) => decodeXml(m[1])));
        token = xml.match(/<NextContinuationToken>([^<]*)</)?.[1];
      } while (token);
      return keys.sort();
    },
    async get(bucket, key) {
      return (await ok(await fetch(`${endpoint}/${bucket}/${key}`), `get s3://${bucket}/${key}`)).text();
    },
  };
}

export function gcsStore(endpoint: string): ObjectStore {
  return {
    scheme: "gs",
    async createBucket(bucket) {
      await ok(
        await fetch(`${endpoint}/storage/v1/b?project=test`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ name: bucket }) }),
        `create gs://${bucket}`,
      );
    },
    async put(bucket, key, body) {
      const q = new URLSearchParams({ uploadType: "media", name: key });
      await ok(await fetch(`${endpoint}/upload/storage/v1/b/${bucket}/o?${q}`, { method: "POST", body }), `put gs://${bucket}/${key}`);
    },
    async list(bucket, prefix = "") {
      const names: string[] = [];
      let token: string | undefined;
      do {
        const q = new URLSearchParams({ prefix, ...(token ? { pageToken: token } : {}) });
        const page = (await (await ok(await fetch(`${endpoint}/storage/v1/b/${bucket}/o?${q}`), `list gs://${bucket}`)).json()) as {
          items?: { name: string }[];
          nextPageToken?: string;
        };
        names.push(...(page.items ?? []).map((i) => i.name));
        token = page.nextPageToken;
      } while (token);
      return names.sort();
    },
    async get(bucket, key) {
      return (await ok(await fetch(`${endpoint}/storage/v1/b/${bucket}/o/${encodeURIComponent(key)}?alt=media`), `get gs://${bucket}/${key}`)).text();
    },
  };
}

function decodeXml(s: string): string {
  return s
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, "&");
}

/** `gs://bucket/prefix` → bucket, prefix. */
export function splitUri(uri: string): { bucket: string; prefix: string } {
  const m = uri.match(/^(?:gs|s3):\/\/([^/]+)\/?(.*)$/);
  if (!m) throw new Error(`not a bucket URI: ${uri}`);
  return { bucket: m[1], prefix: m[2].replace(/\/$/, "") };
}
