"""Run one generated workflow in workflows-emulator against local stand-ins, and report what happened.

Reads JSON on stdin: {"source": <workflow YAML>, "env": {...}, "scenario": {...}, "input"?: <the execution
argument, default the schedule's>} and prints
{"schema_ok", "result" | "error", "requests": [...]}. The stand-ins are one HTTP server on 127.0.0.1
(stopped before exit) playing:
  - the Cloud Run Admin API v2: jobs.run (returns the long-running operation, as with skip_polling) and
    jobs.executions.get (an execution completes after `polls_to_finish` polls, succeeded or failed);
  - the Workflow Executions API: executions.list (this execution plus `scenario.active`);
  - Secret Manager: versions.access (the Fivetran credential);
  - the Fivetran REST API: POST /v1/connections/{id}/sync and GET /v1/connections/{id}.
Google hosts and api.fivetran.com are routed to it by rewriting URLs in requests. Time is simulated:
sys.now advances only through sys.sleep and retry back-offs, so a 6-hour wait takes milliseconds.

Gaps of workflows-emulator 1.10.0 filled here, each where Google documents the behaviour:
  - `null`, `true`, `false` in expressions (Workflows' literals; the emulator evaluates Python);
  - an expression that is a whole value keeps its type (the emulator turns `null` into the string "None");
  - `get_type` of a map held in the emulator's own dict class;
  - `time.parse` of any RFC 3339 timestamp (the emulator requires fractional seconds);
  - the `googleapis.secretmanager.v1.projects.secrets.versions.accessString` connector helper
    (not a REST method, so not in the discovery document the emulator reads);
  - Application Default Credentials: anonymous (the stand-ins check no token).
"""

import base64
import copy
import json
import os
import re
import sys
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests
import workflows_emulator.lib.http_utils as http_utils
import workflows_emulator.lib.sys_utils as sys_utils
import workflows_emulator.lib.time_utils as time_utils
import workflows_emulator.main as emulator
import workflows_emulator.render as render
import yaml
from google.auth.credentials import AnonymousCredentials
from jsonschema import ValidationError, validate
from workflows_emulator.lib import helpers as helpers_mod
from workflows_emulator.utils import load_package_config

data = json.load(sys.stdin)
scenario = data.get("scenario", {})
env = data.get("env", {})
PROJECT, LOCATION, WORKFLOW, EXECUTION = env["GOOGLE_CLOUD_PROJECT_ID"], "europe-west1", env["GOOGLE_CLOUD_WORKFLOW_ID"], env["GOOGLE_CLOUD_WORKFLOW_EXECUTION_ID"]

# --- simulated time -------------------------------------------------------------------------------
CLOCK = {"now": 1_760_000_000.0}


def now():
    return CLOCK["now"]


def advance(seconds):
    CLOCK["now"] += float(seconds)


def rfc3339(ts):
    return datetime.fromtimestamp(ts, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


sys_utils.now = now
sys_utils.sleep = advance
emulator.sleep = advance
time_utils.parse = lambda value: datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


def get_type(el):
    if isinstance(el, dict):
        return "map"
    return helpers_mod.get_type(el)


_render_str = render.render_str


def render_whole(value, context):
    if isinstance(value, str):
        m = re.fullmatch(r"\$\{(.*)\}", value.strip(), re.S)
        if m and "${" not in m.group(1):
            return render.run_code(m.group(1), context)
    return _render_str(value, context)


render.render_str = render_whole
render.STANDARD_LIBRARY.update({"null": None, "true": True, "false": False, "get_type": get_type})
http_utils.default = lambda scopes=None: (AnonymousCredentials(), PROJECT)

# --- the stand-ins --------------------------------------------------------------------------------
LOG = []
STATE = {"executions": {}, "run_calls": {}, "poll_calls": {}, "fivetran_polls": 0, "sync_triggered_at": None}


def take(key, job):
    """The next scripted HTTP status for this call, if any (scenario[key][job] is a list, consumed)."""
    codes = scenario.get(key, {}).get(job, [])
    return codes.pop(0) if codes else None


class StandIn(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, code, body):
        raw = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def do_GET(self):
        self.route("GET")

    def do_POST(self):
        self.route("POST")

    def route(self, method):
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"null") if length else None
        path = self.path.split("?")[0]
        LOG.append({"method": method, "path": path, "authorization": self.headers.get("Authorization"), "body": body})
        parts = path.strip("/").split("/")
        try:
            if parts[0] == "run" and method == "POST" and path.endswith(":run"):
                return self.run_job(parts[-1][: -len(":run")])
            if parts[0] == "run" and method == "GET" and "executions" in parts:
                return self.get_execution(parts[parts.index("jobs") + 1], parts[-1])
            if parts[0] == "wfx" and method == "GET" and parts[-1] == "executions":
                mine = {"name": f"projects/{PROJECT}/locations/{LOCATION}/workflows/{WORKFLOW}/executions/{EXECUTION}", "state": "ACTIVE", "startTime": rfc3339(CLOCK["start"])}
                others = [{**e, "startTime": rfc3339(CLOCK["start"] + e.pop("startOffset", 0))} for e in copy.deepcopy(scenario.get("active", []))]
                return self.reply(200, {"executions": [mine, *others]})
            if parts[0] == "sm" and method == "GET" and path.endswith(":access"):
                return self.reply(200, {"name": path, "payload": {"data": base64.b64encode(b"fivetran-key:fivetran-secret").decode()}})
            if parts[0] == "fivetran":
                return self.fivetran(method, parts)
        except Exception as err:  # noqa: BLE001 - a stand-in bug must show, not hang the workflow
            return self.reply(599, {"error": repr(err)})
        self.reply(404, {"error": {"code": 404, "message": f"stand-in has no {method} {path}"}})

    def run_job(self, job):
        STATE["run_calls"][job] = STATE["run_calls"].get(job, 0) + 1
        scripted = take("run_status", job)
        if scripted in (429, 503):  # refused before anything started
            return self.reply(scripted, {"error": {"code": scripted, "message": "try again"}})
        name = f"projects/{PROJECT}/locations/{LOCATION}/jobs/{job}/executions/{job}-{STATE['run_calls'][job]}"
        STATE["executions"][name] = {"job": job, "polls": 0}
        if scripted:  # started, but the response was lost (500/502/504): a retry would start a second one
            return self.reply(scripted, {"error": {"code": scripted, "message": "internal error"}})
        self.reply(
            200,
            {
                "name": f"projects/{PROJECT}/locations/{LOCATION}/operations/op-{job}",
                "metadata": {"@type": "type.googleapis.com/google.cloud.run.v2.Execution", "name": name},
                "done": False,
            },
        )

    def get_execution(self, job, execution):
        name = f"projects/{PROJECT}/locations/{LOCATION}/jobs/{job}/executions/{execution}"
        scripted = take("poll_status", job)
        if scripted:
            return self.reply(scripted, {"error": {"code": scripted, "message": "unavailable"}})
        state = STATE["executions"][name]
        state["polls"] += 1
        doc = {"name": name, "taskCount": 1}
        if state["polls"] >= scenario.get("polls_to_finish", 2):
            failed = scenario.get("outcome", {}).get(job, "succeeded") == "failed"
            doc.update({"completionTime": rfc3339(now()), "succeededCount": 0 if failed else 1, "failedCount": 1 if failed else 0})
            if failed:
                doc["conditions"] = [{"type": "Completed", "state": "CONDITION_FAILED", "message": "Task failed"}]
        self.reply(200, doc)

    def fivetran(self, method, parts):
        if method == "POST" and parts[-1] == "sync":
            STATE["sync_triggered_at"] = now()
            return self.reply(200, {"code": "Success", "message": "Sync has been successfully triggered"})
        STATE["fivetran_polls"] += 1
        data = {"id": parts[-1], "status": {"setup_state": scenario.get("fivetran_setup_state", "connected")}, "succeeded_at": None, "failed_at": None}
        if STATE["sync_triggered_at"] is not None and STATE["fivetran_polls"] >= 2:
            data["failed_at" if scenario.get("fivetran") == "failed" else "succeeded_at"] = rfc3339(now())
        self.reply(200, {"code": "Success", "data": data})


server = ThreadingHTTPServer(("127.0.0.1", 0), StandIn)
threading.Thread(target=server.serve_forever, daemon=True).start()
BASE = f"http://127.0.0.1:{server.server_address[1]}"
ROUTES = {
    "https://run.googleapis.com/": f"{BASE}/run/",
    "https://workflowexecutions.googleapis.com/": f"{BASE}/wfx/",
    "https://secretmanager.googleapis.com/": f"{BASE}/sm/",
    "https://api.fivetran.com/": f"{BASE}/fivetran/",
}
original_request = requests.Session.request


def routed(self, method, url, *args, **kwargs):
    for prefix, target in ROUTES.items():
        if url.startswith(prefix):
            url = target + url[len(prefix) :]
            break
    else:
        raise AssertionError(f"the workflow called {url}, which no stand-in serves (and the tier never leaves the machine)")
    return original_request(self, method, url, *args, **kwargs)


requests.Session.request = routed


def access_string(rendered_step):
    """Workflows' Secret Manager helper: GET …/versions/{version}:access, payload.data decoded."""
    args = rendered_step["args"]
    project = args.get("project_id", PROJECT)
    url = f"https://secretmanager.googleapis.com/v1/projects/{project}/secrets/{args['secret_id']}/versions/{args.get('version', 'latest')}:access"
    body = http_utils.request("GET", url, auth={"type": "OAuth2"})["body"]
    return base64.b64decode(body["payload"]["data"]).decode()


real_connector = emulator.StepCall.execute_connector
emulator.StepCall.execute_connector = staticmethod(
    lambda step: access_string(step) if step["call"] == "googleapis.secretmanager.v1.projects.secrets.versions.accessString" else real_connector(step)
)

# --- run ------------------------------------------------------------------------------------------

os.environ.update(env)
workflow = yaml.safe_load(data["source"])
out = {"schema_ok": True}
try:
    validate(workflow, load_package_config("workflow-schema.json"))
except ValidationError as err:
    out["schema_ok"] = False
    out["schema_error"] = f"{'/'.join(map(str, err.absolute_path))}: {err.message}"
CLOCK["start"] = now()
try:
    out["result"] = json.loads(json.dumps(emulator.execute_workflow(workflow, {"input": data.get("input", {"pipeline": "x", "trigger": "schedule"})}), default=str))
except Exception as err:  # noqa: BLE001 - the execution failed: what Workflows would report
    payload = getattr(err, "payload", None)
    out["error"] = json.loads(json.dumps(payload, default=str)) if isinstance(payload, dict) else str(payload if payload is not None else err)
finally:
    server.shutdown()
    server.server_close()
out["requests"] = LOG
out["elapsed_seconds"] = now() - CLOCK["start"]
print(json.dumps(out, default=str))
