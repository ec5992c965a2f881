/** Pure helpers of the AWS cloud: sizing, subnets, image → repository, policies, the flow definition. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ciSubjects } from "../../components/cloud/aws/ci";
import { ECS_TRANSIENT_ERRORS, flowDefinition, HTTP_TRANSIENT_ERRORS, type FlowSpec } from "../../components/cloud/aws/flow";
import { artifactsLifecycle, rawLifecycle } from "../../components/cloud/aws/lake";
import { subnetCidrs } from "../../components/cloud/aws/network";
import { policyDocument, statementProblems, UNSCOPED_ACTIONS } from "../../components/cloud/aws/policy";
import { ecrLifecyclePolicy } from "../../components/cloud/aws/registry";
import { ecrRepositoryArn, fargateSize, FARGATE_SIZES } from "../../components/cloud/aws/task";
import { STACK_DEFAULTS } from "../../stacks/config";

describe("fargateSize", () => {
  it("maps every cpu/memory the schema allows to a valid Fargate combination with at least what was asked", () => {
    for (const cpu of [0.25, 0.5, 1, 2, 4]) {
      for (let mem = 0.5; mem <= 30; mem += 0.5) {
        const s = fargateSize({ cpu, memoryGiB: mem });
        const size = FARGATE_SIZES.find((f) => String(f.cpu) === s.cpu);
        assert.ok(size, `${cpu}/${mem}: cpu ${s.cpu}`);
        const [min, max, step] = size.memory;
        const m = Number(s.memory);
        assert.ok(m >= min && m <= max && (m - min) % step === 0, `${cpu} vCPU ${mem} GiB → ${s.cpu}/${s.memory} is not a Fargate size`);
        assert.ok(Number(s.cpu) >= cpu * 1024 && m >= mem * 1024, `${cpu}/${mem} → ${s.cpu}/${s.memory} is smaller than asked`);
      }
    }
  });
  it("picks the smallest fit", () => {
    assert.deepEqual(fargateSize({ cpu: 1, memoryGiB: 2 }), { cpu: "1024", memory: "2048" });
    assert.deepEqual(fargateSize({ cpu: 1, memoryGiB: 0.5 }), { cpu: "1024", memory: "2048" });
    assert.deepEqual(fargateSize({ cpu: 0.25, memoryGiB: 4 }), { cpu: "512", memory: "4096" });
    assert.deepEqual(fargateSize({ cpu: 1, memoryGiB: 10 }), { cpu: "2048", memory: "10240" });
    assert.deepEqual(fargateSize({ cpu: 0.5, memoryGiB: 1.5 }), { cpu: "512", memory: "2048" });
  });
});

describe("subnetCidrs", () => {
  it("splits the VPC range into equal, non-overlapping subnets at its start", () => {
    assert.deepEqual(subnetCidrs("10.40.0.0/16", 2), ["10.40.0.0/20", "10.40.16.0/20"]);
    assert.deepEqual(subnetCidrs("192.168.1.0/24", 2), ["192.168.1.0/28", "192.168.1.16/28"]);
  });
  it("refuses what cannot hold the subnets", () => {
    assert.throws(() => subnetCidrs("10.0.0.0/27", 2), /too small/);
    assert.throws(() => subnetCidrs("10.0.0/16", 2), /expected a CIDR/);
  });
});

describe("ecrRepositoryArn", () => {
  it("finds the repository of an ECR image by digest or tag, and nothing for other registries", () => {
    const digest = `sha256:${"a".repeat(64)}`;
    assert.equal(
      ecrRepositoryArn(`123456789012.dkr.ecr.eu-west-1.amazonaws.com/acme-dev-images/dbt@${digest}`),
      "arn:aws:ecr:eu-west-1:123456789012:repository/acme-dev-images/dbt",
    );
    assert.equal(ecrRepositoryArn("123456789012.dkr.ecr.eu-west-1.amazonaws.com/acme-dev-images/dbt:abc123"), "arn:aws:ecr:eu-west-1:123456789012:repository/acme-dev-images/dbt");
    assert.equal(ecrRepositoryArn(`ghcr.io/acme/dbt@${digest}`), undefined);
  });
});

describe("policy rules", () => {
  it("refuse a wildcard action in an Allow, and '*' resources for scopable actions", () => {
    assert.deepEqual(statementProblems({ Sid: "a", Action: ["s3:GetObject"], Resource: ["arn:aws:s3:::b/*"] }), []);
    assert.match(statementProblems({ Sid: "a", Action: ["s3:*"], Resource: ["arn:aws:s3:::b"] }).join(), /wildcard/);
    assert.match(statementProblems({ Sid: "a", Action: ["s3:Get*"], Resource: ["arn:aws:s3:::b"] }).join(), /wildcard/);
    assert.match(statementProblems({ Sid: "a", Action: "*", Resource: "*" }).join(), /wildcard/);
    assert.match(statementProblems({ Sid: "a", Action: ["s3:GetObject"], Resource: "*" }).join(), /can be scoped/);
    assert.deepEqual(statementProblems({ Sid: "a", Action: ["ecr:GetAuthorizationToken"], Resource: "*" }), []);
    assert.deepEqual(statementProblems({ Sid: "tls", Effect: "Deny", Action: ["s3:*"], Resource: "*" }), [], "a Deny may be wide");
    assert.throws(() => policyDocument([{ Sid: "x", Action: ["secretsmanager:GetSecretValue"], Resource: "*" }]), /can be scoped/);
  });
  it("give a reason for every action allowed on '*'", () => {
    for (const [action, reason] of Object.entries(UNSCOPED_ACTIONS)) {
      assert.match(action, /^[a-z0-9-]+:[A-Za-z]+$/, action);
      assert.ok(reason.length > 10, action);
    }
  });
});

describe("lifecycle", () => {
  const lake = { ...STACK_DEFAULTS.lake, coldAfterDays: 30, expireAfterDays: 90, noncurrentVersionDays: 7 };
  it("moves raw objects to STANDARD_IA, expires them and bounds old versions, from config", () => {
    const [r] = rawLifecycle(lake) as any[];
    assert.deepEqual(r.transitions, [{ days: 30, storageClass: "STANDARD_IA" }]);
    assert.deepEqual(r.expiration, { days: 90 });
    assert.deepEqual(r.noncurrentVersionExpiration, { noncurrentDays: 7 });
  });
  it("keeps raw objects forever when expireAfterDays is 0, and never transitions past expiry", () => {
    assert.equal((rawLifecycle({ ...lake, expireAfterDays: 0 }) as any[])[0].expiration, undefined);
    assert.equal((rawLifecycle({ ...lake, coldAfterDays: 30, expireAfterDays: 20 }) as any[])[0].transitions, undefined);
    assert.deepEqual((rawLifecycle({ ...lake, coldAfterDays: 10, expireAfterDays: 0 }) as any[])[0].transitions, [{ days: 30, storageClass: "STANDARD_IA" }], "S3 minimum");
  });
  it("expires artifacts after artifactsExpireAfterDays", () => {
    assert.deepEqual((artifactsLifecycle({ ...lake, artifactsExpireAfterDays: 45 }) as any[])[0].expiration, { days: 45 });
  });
  it("ECR keeps a bounded number of images and drops untagged ones", () => {
    const rules = JSON.parse(ecrLifecyclePolicy()).rules;
    assert.deepEqual(
      rules.map((r: any) => r.selection.tagStatus),
      ["untagged", "any"],
    );
  });
});

describe("ciSubjects", () => {
  // Stands for: GitHub's token subject (a job with `environment:` gets `...:environment:<name>`); a branch
  // subject on the deploy role would let a job without the environment (and its approval) deploy.
  it("pins preview to the repository's pull requests and its deploy branch (drift checks), deploy to the stack's GitHub environment alone", () => {
    assert.deepEqual(ciSubjects({ githubRepository: "acme/data-platform", deployBranch: "release" }, "prod"), {
      preview: ["repo:acme/data-platform:pull_request", "repo:acme/data-platform:ref:refs/heads/release"],
      deploy: ["repo:acme/data-platform:environment:prod"],
    });
  });
});

describe("ECS retries and task references (issue 13)", () => {
  // Stands for botocore's ECS model (RunTask declares ServerException, no throttling or limit error) and
  // Step Functions' AmazonECS.Unknown for RunTask failures (Fargate capacity); the tier checks the model itself.
  it("retries ECS.ServerException, ECS.AmazonECSException and AmazonECS.Unknown, nothing RunTask never raises", () => {
    assert.deepEqual([...ECS_TRANSIENT_ERRORS].sort(), ["AmazonECS.Unknown", "ECS.AmazonECSException", "ECS.ServerException"]);
  });
  it("refuses a task definition pinned to a revision (a deploy deregisters it mid-run)", () => {
    const spec: FlowSpec = {
      pipeline: "orders",
      clusterArn: "arn:aws:ecs:eu-west-1:1:cluster/c",
      network: { subnets: ["subnet-1"], securityGroups: ["sg-1"], assignPublicIp: true },
      dbt: { taskDefinition: "arn:aws:ecs:eu-west-1:1:task-definition/dbt:3", container: "dbt", timeoutSeconds: 60, maxRetries: 0 },
      ingestion: { taskDefinition: "arn:aws:ecs:eu-west-1:1:task-definition/ingest", container: "ingestion", timeoutSeconds: 60, maxRetries: 0 },
      stepRetries: 1,
      runTimeoutSeconds: 3600,
    };
    assert.throws(() => flowDefinition(spec), /pins a revision/);
  });
});

describe("flowDefinition", () => {
  const base: FlowSpec = {
    pipeline: "orders",
    clusterArn: "arn:aws:ecs:eu-west-1:1:cluster/c",
    network: { subnets: ["subnet-1"], securityGroups: ["sg-1"], assignPublicIp: true },
    ingestion: { taskDefinition: "arn:aws:ecs:eu-west-1:1:task-definition/ingest", container: "ingestion", timeoutSeconds: 1800, maxRetries: 1 },
    dbt: { taskDefinition: "arn:aws:ecs:eu-west-1:1:task-definition/dbt", container: "dbt", timeoutSeconds: 1800, maxRetries: 0 },
    stepRetries: 2,
    runTimeoutSeconds: 9000,
  };
  it("chains ingestion then dbt with RunTask .sync, retrying transient errors stepRetries times", () => {
    const d: any = flowDefinition(base);
    assert.equal(d.StartAt, "Ingest");
    assert.equal(d.States.Ingest.Next, "Transform");
    assert.equal(d.States.Transform.End, true);
    for (const s of [d.States.Ingest, d.States.Transform]) {
      assert.equal(s.Resource, "arn:aws:states:::ecs:runTask.sync");
      assert.deepEqual(s.Retry[0].ErrorEquals, ECS_TRANSIENT_ERRORS);
      assert.equal(s.Retry[0].MaxAttempts, 2);
      assert.equal(s.Arguments.NetworkConfiguration.AwsvpcConfiguration.AssignPublicIp, "ENABLED");
    }
    assert.equal(d.States.Ingest.Arguments.TaskDefinition, "arn:aws:ecs:eu-west-1:1:task-definition/ingest");
    assert.deepEqual(d.States.Ingest.Retry[1], { ErrorEquals: ["States.TaskFailed"], IntervalSeconds: 60, MaxAttempts: 1, BackoffRate: 1 }, "job.maxRetries, a fixed pause");
    assert.equal(d.States.Transform.Retry.length, 1, "dbt maxRetries 0: no retry of a failed dbt run");
    assert.equal(d.States.Ingest.TimeoutSeconds, 1800);
  });
  it("has no retry when stepRetries is 0", () => {
    const d: any = flowDefinition({ ...base, stepRetries: 0, ingestion: { ...base.ingestion!, maxRetries: 0 } });
    assert.deepEqual(d.States.Ingest.Retry, []);
  });
  it("syncs Fivetran through the connection, polls until finished, then runs dbt", () => {
    const d: any = flowDefinition({ ...base, ingestion: undefined, fivetran: { connectionId: "abc_def", connectionArn: "arn:aws:events:eu-west-1:1:connection/c/u" } });
    assert.equal(d.StartAt, "FivetranSync");
    const sync = d.States.FivetranSync;
    assert.equal(sync.Resource, "arn:aws:states:::http:invoke");
    assert.equal(sync.Arguments.ApiEndpoint, "https://api.fivetran.com/v1/connections/abc_def/sync");
    assert.equal(sync.Arguments.Method, "POST");
    assert.equal(sync.Arguments.Authentication.ConnectionArn, "arn:aws:events:eu-west-1:1:connection/c/u");
    assert.deepEqual(sync.Retry[0].ErrorEquals, HTTP_TRANSIENT_ERRORS);
    assert.equal(d.States.PollSync.Arguments.ApiEndpoint, "https://api.fivetran.com/v1/connections/abc_def");
    assert.deepEqual(
      d.States.SyncDone.Choices.map((c: any) => c.Next),
      ["SyncFailed", "Transform"],
    );
    assert.equal(d.States.SyncDone.Default, "WaitForSync");
    assert.equal(d.States.WaitForSync.Next, "PollSync");
    assert.equal(d.States.Ingest, undefined);
    assert.ok(!JSON.stringify(d).includes("Authorization"), "no credential or auth header in the definition");
  });
  it("refuses a flow with neither ingestion nor Fivetran", () => {
    assert.throws(() => flowDefinition({ ...base, ingestion: undefined }), /needs an ingestion task or a Fivetran connection/);
  });
});
