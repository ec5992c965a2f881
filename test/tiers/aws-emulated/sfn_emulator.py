"""
Runs one pipeline's state machine, as synthesized, in moto's Step Functions interpreter (moto's server on
127.0.0.1, `stepfunctions.execute_state_machine` switched on through moto's own config API), with local
stand-ins for what moto cannot be: ECS task outcomes, the Fivetran API behind the HTTP Task, and time.

    python sfn_emulator.py < job.json > result.json

What is moto's (not ours): the ASL interpreter (states, Retry/Catch matching, backoff, JitterStrategy,
Choice, Wait, Assign, TimeoutSeconds, execution status), its JSONata evaluation wiring, the ECS API
(RegisterTaskDefinition, DeregisterTaskDefinition, RunTask's parameter handling, task-definition
resolution from a family ARN), EventBridge pattern matching and input transformers, SNS and SQS.

What is ours, each a stand-in for one documented behaviour:
- JSONata: moto ships no evaluator (its JVM bridge is stubbed); `jsonata-python`, a port of the
  jsonata-java engine LocalStack's interpreter (moto's upstream) runs, is plugged in.
- Step Functions' casing: the state's parameters are PascalCase and its result is the ECS answer in
  PascalCase; moto leaves both conversions as stubs. Ours maps each name through botocore's ECS model
  (an unknown parameter is refused, as Step Functions' validation would).
- ECS outcomes: a task stops with the exit code the job asks for, or stays running until released; a
  RunTask answered with `failures` (Fargate capacity) surfaces as `AmazonECS.Unknown`; RunTask of an
  INACTIVE revision is refused as `ECS.ClientException` (ECS's "TaskDefinition is inactive"); a task
  whose essential container exits non-zero fails the `.sync` step with `States.TaskFailed`.
- moto's RunTask sums container-level memory, which a Fargate task need not set (its size is
  task-level); ours counts the task-level size for such task definitions instead of crashing. Its awsvpc
  attachment reads an ENI attribute moto's EC2 model lacks (`private_dns_name`); ours derives it.
- `arn:aws:states:::http:invoke`: moto has no HTTP Task; ours sends the request to a local Fivetran
  stand-in and maps a status >= 400 to `States.Http.StatusCode.<code>`, as Step Functions does.
- Error names: moto's parser refuses any `States.*` name it does not list, and it lists none of the HTTP
  Task's (`States.Http.Socket`, `States.Http.StatusCode.<code>`, AWS's "Call HTTPS APIs" page); ours
  admits that documented family, nothing else.
- Alerts: moto's EventBridge delivers to SQS but not SNS, so the rule's target is a queue standing in
  for the topic: the message is what the plan's input transformer renders, which SNS forwards unchanged.
- Time: every Wait and retry interval is divided by `timeScale` (the seconds asked for are recorded).
"""

from __future__ import annotations

import base64
import json
import os
import socket
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3
import jsonata
from moto.ec2.models.elastic_network_interfaces import NetworkInterface
from moto.ecs import models as ecs_models
from moto.server import ThreadedMotoServer
from moto.stepfunctions.parser.api import HistoryEventType, TaskFailedEventDetails
from moto.stepfunctions.parser.asl.component.common.error_name.custom_error_name import CustomErrorName
from moto.stepfunctions.parser.asl.component.common.error_name.error_name import ErrorName
from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import FailureEvent, FailureEventException
from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import StatesErrorName
from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import StatesErrorNameType
from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl
from moto.stepfunctions.parser.asl.component.state.exec.state_task import state_task_factory
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import state_task_service_ecs
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.resource import ResourceCondition
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_callback import StateTaskServiceCallback
from moto.stepfunctions.parser.asl.component.state.wait.wait_function.wait_function import WaitFunction
from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails
from moto.stepfunctions.parser.asl.jsonata import jsonata as moto_jsonata

FIVETRAN_BASE = "https://api.fivetran.com"
JOB: dict[str, Any] = {}
LOG: dict[str, list[Any]] = {"runTasks": [], "retryWaits": [], "waits": [], "http": []}
TASK_OUTCOMES: dict[str, str] = {}
RELEASED = threading.Event()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


_custom_init = CustomErrorName.__init__


def _custom_or_http(self: Any, error_name: str | None) -> None:
    if error_name is not None and error_name.startswith("States.Http."):
        ErrorName.__init__(self, error_name=error_name)
    else:
        _custom_init(self, error_name)


CustomErrorName.__init__ = _custom_or_http  # type: ignore[method-assign]


def fail(env: Any, error: str, cause: str) -> FailureEventException:
    name = StatesErrorName(typ=StatesErrorNameType.StatesTaskFailed) if error == "States.TaskFailed" else CustomErrorName(error_name=error)
    return FailureEventException(
        failure_event=FailureEvent(
            env=env,
            error_name=name,
            event_type=HistoryEventType.TaskFailed,
            event_details=EventDetails(taskFailedEventDetails=TaskFailedEventDetails(error=error, cause=cause)),
        )
    )


# --- JSONata ----------------------------------------------------------------------------------------
def eval_jsonata(expression: str) -> Any:
    # moto composes self-contained expressions (variable bindings prepended), evaluated without input.
    return json.loads(json.dumps(jsonata.Jsonata(expression).evaluate(None)))


# moto's eval_jsonata_expression calls this module-level pointer (None in moto: its JVM bridge is absent).
moto_jsonata._eval_jsonata = eval_jsonata  # type: ignore[attr-defined]


# --- time -------------------------------------------------------------------------------------------
class _ScaledTime:
    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)

    def sleep(self, seconds: float) -> None:
        LOG["retryWaits"].append(seconds)
        time.sleep(seconds / JOB.get("timeScale", 1))


retrier_decl.time = _ScaledTime()  # type: ignore[attr-defined]
_wait_interval = WaitFunction._wait_interval


def _scaled_wait(self: Any, env: Any, wait_seconds: int) -> None:
    LOG["waits"].append(wait_seconds)
    env.program_state_event.wait(wait_seconds / JOB.get("timeScale", 1))


WaitFunction._wait_interval = _scaled_wait  # type: ignore[method-assign]


# --- ECS ----------------------------------------------------------------------------------------------
def _api_names(shape: Any, value: Any, where: str) -> Any:
    """Step Functions' PascalCase parameters as the ECS API's member names (botocore's model)."""
    if shape.type_name == "structure" and isinstance(value, dict):
        members = {m.lower(): m for m in shape.members}
        out = {}
        for k, v in value.items():
            if k.lower() not in members:
                raise ValueError(f"{where}: ECS {shape.name} has no member {k}")
            m = members[k.lower()]
            out[m] = _api_names(shape.members[m], v, f"{where}.{k}")
        return out
    if shape.type_name == "list" and isinstance(value, list):
        return [_api_names(shape.member, x, where) for x in value]
    return value


def _sfn_names(value: Any) -> Any:
    if isinstance(value, dict):
        return {(k[:1].upper() + k[1:]): _sfn_names(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_sfn_names(x) for x in value]
    return value


class EcsStandIn(state_task_service_ecs.StateTaskServiceEcs):
    """moto's ECS integration, with the task outcomes of the job (see the module docstring)."""

    def _normalise_parameters(self, parameters: dict, boto_service_name: str | None = None, service_action_name: str | None = None) -> None:
        model = boto3.session.Session().client("ecs", region_name="us-east-1").meta.service_model
        operation = model.operation_model(
            model.operation_names[[o.lower() for o in model.operation_names].index((service_action_name or self._get_boto_service_action()).replace("_", ""))]
        )
        converted = _api_names(operation.input_shape, parameters, operation.name)
        parameters.clear()
        parameters.update(converted)

    def _normalise_response(self, response: Any, boto_service_name: str | None = None, service_action_name: str | None = None) -> None:
        if isinstance(response, dict):
            converted = _sfn_names(response)
            response.clear()
            response.update(converted)

    def _eval_service_task(self, env: Any, resource_runtime_part: Any, normalised_parameters: dict, state_credentials: Any) -> None:
        ecs = boto3.client("ecs", region_name=resource_runtime_part.region, endpoint_url=JOB["_endpoint"], aws_access_key_id="ak", aws_secret_access_key="sk")
        td_ref = normalised_parameters["taskDefinition"]
        td = ecs.describe_task_definition(taskDefinition=td_ref)["taskDefinition"]
        family = td["family"]
        outcomes = JOB.get("ecs", {}).get(family, [])
        outcome = outcomes.pop(0) if outcomes else "ok"
        call = {
            "family": family,
            "requested": td_ref,
            "revision": td["revision"],
            "status": td["status"],
            "outcome": outcome,
            "parameters": normalised_parameters,
        }
        LOG["runTasks"].append(call)
        if td["status"] != "ACTIVE":
            raise fail(env, "ECS.ClientException", f"TaskDefinition is inactive ({td['taskDefinitionArn']})")
        if outcome == "capacity":
            raise fail(
                env, "AmazonECS.Unknown", json.dumps({"failures": [{"reason": "Capacity is unavailable at this time. Please try again later or in a different availability zone"}]})
            )
        if outcome == "server":
            raise fail(env, "ECS.ServerException", "Service Unavailable")
        super()._eval_service_task(env, resource_runtime_part, normalised_parameters, state_credentials)
        TASK_OUTCOMES[env.stack[-1]["Tasks"][0]["TaskArn"]] = outcome
        deploy = JOB.get("deployDuringRun")
        if deploy and family == deploy["whileFamily"] and not deploy.get("_done"):
            deploy["_done"] = True
            threading.Thread(target=redeploy, args=(deploy["redeployFamily"],), daemon=True).start()

    def _build_sync_resolver(self, env: Any, resource_runtime_part: Any, normalised_parameters: dict, state_credentials: Any):
        submission = env.stack.pop()
        task = submission["Tasks"][0]
        outcome = TASK_OUTCOMES.get(task["TaskArn"], "ok")

        def resolve() -> dict | None:
            if outcome == "hold" and not RELEASED.is_set():
                return None
            code = int(outcome.split(":")[1]) if outcome.startswith("exit:") else 0
            stopped = {
                **task,
                "LastStatus": "STOPPED",
                "StopCode": "EssentialContainerExited",
                "Containers": [{"Name": c.get("Name"), "ExitCode": code} for c in task.get("Containers", [])],
            }
            if code != 0:
                raise fail(env, "States.TaskFailed", json.dumps(stopped, default=str))
            return stopped

        return resolve


_requirements = ecs_models.EC2ContainerServiceBackend._calculate_task_resource_requirements


def _fargate_requirements(task_definition: Any) -> dict:
    if all(c.get("memory") is None and c.get("memoryReservation") is None for c in task_definition.container_definitions):
        return {"CPU": int(task_definition.cpu or 0), "MEMORY": int(task_definition.memory or 0), "PORTS": [], "PORTS_UDP": []}
    return _requirements(task_definition)


ecs_models.EC2ContainerServiceBackend._calculate_task_resource_requirements = staticmethod(_fargate_requirements)  # type: ignore[assignment]


if not hasattr(NetworkInterface, "private_dns_name"):
    NetworkInterface.private_dns_name = property(  # type: ignore[attr-defined]
        lambda eni: eni.__dict__.get("_private_dns_name") or f"ip-{eni.private_ip_address.replace('.', '-')}.{JOB['region']}.compute.internal",
        lambda eni, value: eni.__dict__.__setitem__("_private_dns_name", value),
    )


def redeploy(family: str) -> None:
    """What `pulumi up` does to a changed task definition while a run is in flight: register the new
    revision, then deregister the old one (replace: create before delete); then the held task ends."""
    ecs = boto3.client("ecs", region_name=JOB["region"], endpoint_url=JOB["_endpoint"], aws_access_key_id="ak", aws_secret_access_key="sk")
    old = ecs.describe_task_definition(taskDefinition=family)["taskDefinition"]
    spec = next(t for t in JOB["taskDefinitions"] if t["family"] == family)
    ecs.register_task_definition(**spec)
    ecs.deregister_task_definition(taskDefinition=old["taskDefinitionArn"])
    RELEASED.set()


# --- HTTP Task (Fivetran) --------------------------------------------------------------------------------
class HttpStandIn(StateTaskServiceCallback):
    def __init__(self) -> None:
        super().__init__(supported_integration_patterns={ResourceCondition.WaitForTaskToken})

    def _get_supported_parameters(self) -> set[str] | None:
        return {"ApiEndpoint", "Method", "Authentication", "Headers", "RequestBody", "QueryParameters", "Transform"}

    def _eval_service_task(self, env: Any, resource_runtime_part: Any, normalised_parameters: dict, state_credentials: Any) -> None:
        p = normalised_parameters
        url = p["ApiEndpoint"]
        if not url.startswith(FIVETRAN_BASE):
            raise fail(env, "States.Http.Socket", f"the stand-in only serves {FIVETRAN_BASE}, not {url}")
        body = json.dumps(p["RequestBody"]).encode() if "RequestBody" in p else None
        headers = {**p.get("Headers", {}), "Content-Type": "application/json"}
        # EventBridge signs with the connection's Basic credential; the definition carries only the ARN.
        connection = p.get("Authentication", {}).get("ConnectionArn")
        LOG["http"].append({"method": p["Method"], "url": url, "connection": connection, "headers": p.get("Headers", {}), "body": p.get("RequestBody")})
        if connection:
            headers["Authorization"] = "Basic " + base64.b64encode(b"stand-in:credential").decode()
        req = urllib.request.Request(url.replace(FIVETRAN_BASE, JOB["_fivetran"]), data=body, method=p["Method"], headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                status, text = r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            status, text = e.code, e.read().decode()
        if status >= 400:
            raise fail(env, f"States.Http.StatusCode.{status}", text)
        env.stack.append({"StatusCode": status, "StatusText": "OK", "Headers": {}, "ResponseBody": json.loads(text)})


_service_for = state_task_factory.state_task_service_for


def service_for(service_name: str) -> Any:
    if service_name == "http":
        return HttpStandIn()
    if service_name == "ecs":
        return EcsStandIn()
    return _service_for(service_name)


state_task_factory.state_task_service_for = service_for


class Fivetran(BaseHTTPRequestHandler):
    """The two Fivetran calls the flow makes: POST /v1/connections/<id>/sync and GET /v1/connections/<id>."""

    state: dict[str, Any] = {"triggeredAt": None, "polls": 0}

    def log_message(self, *args: Any) -> None:
        pass

    def reply(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        plan = JOB.get("fivetran", {}).get("trigger", [])
        step = plan.pop(0) if plan else "ok"
        if step != "ok":
            return self.reply(int(step), {"code": "TooManyRequests"})
        Fivetran.state["triggeredAt"] = time.time()
        self.reply(200, {"code": "Success", "message": "Sync has been successfully triggered"})

    def do_GET(self) -> None:
        def iso(t: float) -> str:
            return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + f".{int((t % 1) * 1000):03d}Z"

        polls = JOB.get("fivetran", {}).get("polls", [])
        step = polls.pop(0) if polls else "running"
        before = iso(time.time() - 86400)
        now = iso(time.time() + 1)
        data = {
            "id": self.path.rsplit("/", 1)[-1],
            "status": {"setup_state": "broken" if step == "broken" else "connected", "sync_state": "syncing" if step == "running" else "scheduled"},
        }
        data["succeeded_at"] = now if step == "succeeded" else before
        data["failed_at"] = now if step == "failed" else None
        self.reply(200, {"code": "Success", "data": data})


# --- the run ----------------------------------------------------------------------------------------------
def main() -> None:
    JOB.update(json.load(sys.stdin))
    region = JOB["region"]
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    fivetran = ThreadingHTTPServer(("127.0.0.1", 0), Fivetran)
    threading.Thread(target=fivetran.serve_forever, daemon=True).start()
    try:
        endpoint = f"http://127.0.0.1:{port}"
        JOB["_endpoint"] = endpoint
        JOB["_fivetran"] = f"http://127.0.0.1:{fivetran.server_address[1]}"
        os.environ["MOTO_PORT"] = str(port)  # moto's interpreter calls ECS on its own server
        # moto's documented switch for real execution in server mode.
        urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/config", data=json.dumps({"stepfunctions": {"execute_state_machine": True}}).encode(), method="POST"))

        def client(svc: str):  # type: ignore[no-untyped-def]
            return boto3.client(svc, region_name=region, endpoint_url=endpoint, aws_access_key_id="ak", aws_secret_access_key="sk")

        result = run(client)
    finally:
        fivetran.shutdown()
        server.stop()
    json.dump(result, sys.stdout, default=str)


def run(client: Any) -> dict:
    ec2, ecs, sfn = client("ec2"), client("ecs"), client("stepfunctions")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    definition = JOB["definition"]
    # The plan's network ids are mock values: moto's RunTask needs real subnets and groups, so each
    # placeholder in the definition is swapped for one created here (nothing else is rewritten).
    for i, placeholder in enumerate(JOB["subnets"]):
        subnet = ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24")["Subnet"]["SubnetId"]
        definition = definition.replace(json.dumps(placeholder), json.dumps(subnet))
    for placeholder in JOB["securityGroups"]:
        sg = ec2.create_security_group(GroupName=placeholder, Description="tasks", VpcId=vpc)["GroupId"]
        definition = definition.replace(json.dumps(placeholder), json.dumps(sg))
    ecs.create_cluster(clusterName=JOB["cluster"])
    for td in JOB["taskDefinitions"]:
        ecs.register_task_definition(**td)
    sm = sfn.create_state_machine(name=JOB["name"], definition=definition, roleArn=JOB["roleArn"], type="STANDARD")["stateMachineArn"]
    execution = sfn.start_execution(stateMachineArn=sm, name=JOB.get("executionName", "run-1"), input=JOB.get("input", "{}"))["executionArn"]
    deadline = time.time() + JOB.get("wallTimeoutSeconds", 60)
    while True:
        d = sfn.describe_execution(executionArn=execution)
        if d["status"] != "RUNNING" or time.time() > deadline:
            break
        time.sleep(0.1)
    history = sfn.get_execution_history(executionArn=execution, maxResults=1000)["events"]
    out = {"status": d["status"], "error": d.get("error"), "cause": d.get("cause"), "executionArn": execution, "stateMachineArn": sm, "events": [e["type"] for e in history], **LOG}
    out["alerts"] = deliver(client, d, JOB["failedRule"], "failed") if JOB.get("failedRule") else []
    out["successNotices"] = deliver(client, d, JOB["succeededRule"], "succeeded") if JOB.get("succeededRule") else []
    return out


def deliver(client: Any, execution: dict, rule: dict, name: str) -> list[str]:
    """One of the plan's notice rules (failed or succeeded runs), in moto's EventBridge, fed the
    status-change event Step Functions emits; its target renders the plan's input transformer into a
    queue standing in for the topic."""
    events, sqs = client("events"), client("sqs")
    queue = sqs.create_queue(QueueName=f"{name}-inbox")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name=name, EventPattern=rule["eventPattern"])
    events.put_targets(Rule=name, Targets=[{"Id": "topic", "Arn": queue_arn, "InputTransformer": rule["inputTransformer"]}])
    detail = {"executionArn": execution["executionArn"], "stateMachineArn": execution["stateMachineArn"], "name": execution["name"], "status": execution["status"]}
    events.put_events(Entries=[{"Source": "aws.states", "DetailType": "Step Functions Execution Status Change", "Detail": json.dumps(detail)}])
    messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
    return [m["Body"] for m in messages]


if __name__ == "__main__":
    main()
