/**
 * What the mocks answer for each resource: the inputs echoed back, plus the realistic computed outputs
 * a real provider would return (names, emails, ARNs, digests). Without them, outputs that other
 * resources consume stay undefined and the plan would not show how resources connect.
 * Under mocks no provider runs, so every value here is invented, deterministic and clearly fake.
 */
import * as crypto from "crypto";
import type * as pulumi from "@pulumi/pulumi";

export interface MockContext {
  /** GCP project or AWS account of the stack, for ids and ARNs. */
  gcpProject: string;
  awsAccount: string;
  region: string;
}

type StateFn = (a: pulumi.runtime.MockResourceArgs, ctx: MockContext) => Record<string, unknown>;

const fakeDigest = (s: string) => `sha256:${crypto.createHash("sha256").update(s).digest("hex")}`;
const short = (s: string) => crypto.createHash("sha256").update(s).digest("hex").slice(0, 8);

/** Per type token. Types not listed get their inputs echoed back plus generic `name`/`arn`. */
const STATE: Record<string, StateFn> = {
  // Docker: the pushed image's digest.
  "docker:index/image:Image": (a) => {
    const name = String(a.inputs.imageName ?? a.name);
    return { repoDigest: `${name.replace(/:[^:/]+$/, "")}@${fakeDigest(name)}`, baseImageName: name };
  },
  // TLS: key material is fake but PEM-shaped, so code that trims headers works.
  "tls:index/privateKey:PrivateKey": (a) => ({
    privateKeyPem: `-----BEGIN RSA PRIVATE KEY-----\nMOCK${short(a.name)}\n-----END RSA PRIVATE KEY-----\n`,
    privateKeyPemPkcs8: `-----BEGIN PRIVATE KEY-----\nMOCK${short(a.name)}\n-----END PRIVATE KEY-----\n`,
    publicKeyPem: `-----BEGIN PUBLIC KEY-----\nMOCKPUB${short(a.name)}\n-----END PUBLIC KEY-----\n`,
    publicKeyFingerprintSha256: `SHA256:${short(a.name)}`,
  }),
  "random:index/randomId:RandomId": (a) => ({ hex: short(a.name), b64Url: short(a.name) }),
  "random:index/randomPassword:RandomPassword": (a) => ({ result: `mock-${short(a.name)}` }),
  // Fivetran (dynamic provider): server-generated ids, shaped like Fivetran's slugs.
  "pulumi-nodejs:dynamic/fivetran:Group": (a) => ({ groupId: `mock_group_${short(a.name)}` }),
  "pulumi-nodejs:dynamic/fivetran:Destination": (a) => ({ destinationId: a.inputs.groupId ?? `mock_group_${short(a.name)}`, setupStatus: "connected" }),
  "pulumi-nodejs:dynamic/fivetran:Connection": (a) => ({ connectionId: `mock_connection_${short(a.name)}`, setupState: "connected" }),
  // GCP
  "gcp:storage/bucket:Bucket": (a) => ({ url: `gs://${a.inputs.name ?? a.name}`, selfLink: `https://www.googleapis.com/storage/v1/b/${a.inputs.name ?? a.name}` }),
  // A reserved address from TEST-NET-2 (RFC 5737): never a real one.
  "gcp:compute/address:Address": (a, c) => ({
    address: "198.51.100.7",
    selfLink: `https://www.googleapis.com/compute/v1/projects/${a.inputs.project ?? c.gcpProject}/regions/${a.inputs.region ?? c.region}/addresses/${a.inputs.name}`,
  }),
  "gcp:serviceaccount/account:Account": (a, c) => {
    const email = `${a.inputs.accountId}@${a.inputs.project ?? c.gcpProject}.iam.gserviceaccount.com`;
    return { email, name: `projects/${a.inputs.project ?? c.gcpProject}/serviceAccounts/${email}`, member: `serviceAccount:${email}`, uniqueId: short(email) };
  },
  "gcp:artifactregistry/repository:Repository": (a, c) => ({
    name: a.inputs.repositoryId,
    registryUri: `${a.inputs.location ?? c.region}-docker.pkg.dev/${a.inputs.project ?? c.gcpProject}/${a.inputs.repositoryId}`,
  }),
  "gcp:secretmanager/secret:Secret": (a, c) => ({ name: `projects/${c.gcpProject}/secrets/${a.inputs.secretId}` }),
  "gcp:iam/workloadIdentityPool:WorkloadIdentityPool": (a) => ({
    name: `projects/123456789/locations/global/workloadIdentityPools/${a.inputs.workloadIdentityPoolId}`,
  }),
  "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider": (a) => ({
    name: `projects/123456789/locations/global/workloadIdentityPools/${a.inputs.workloadIdentityPoolId}/providers/${a.inputs.workloadIdentityPoolProviderId}`,
  }),
  "gcp:cloudrunv2/job:Job": (a, c) => ({ uid: short(a.name), name: a.inputs.name ?? a.name, location: a.inputs.location ?? c.region }),
  "gcp:workflows/workflow:Workflow": (a, c) => ({ id: `projects/${c.gcpProject}/locations/${a.inputs.region ?? c.region}/workflows/${a.inputs.name ?? a.name}` }),
  "gcp:monitoring/notificationChannel:NotificationChannel": (a, c) => ({ name: `projects/${c.gcpProject}/notificationChannels/${short(a.name)}` }),
  // AWS
  "aws:ecr/repository:Repository": (a, c) => ({
    repositoryUrl: `${c.awsAccount}.dkr.ecr.${c.region}.amazonaws.com/${a.inputs.name ?? a.name}`,
    arn: `arn:aws:ecr:${c.region}:${c.awsAccount}:repository/${a.inputs.name ?? a.name}`,
    registryId: c.awsAccount,
  }),
  "aws:ecs/cluster:Cluster": (a, c) => ({ arn: `arn:aws:ecs:${c.region}:${c.awsAccount}:cluster/${a.inputs.name ?? a.name}` }),
  "aws:scheduler/schedule:Schedule": (a, c) => ({ arn: `arn:aws:scheduler:${c.region}:${c.awsAccount}:schedule/${a.inputs.groupName ?? "default"}/${a.inputs.name ?? a.name}` }),
  "aws:cloudwatch/eventRule:EventRule": (a, c) => ({ arn: `arn:aws:events:${c.region}:${c.awsAccount}:rule/${a.inputs.name ?? a.name}` }),
  "aws:cloudwatch/eventConnection:EventConnection": (a, c) => {
    const name = a.inputs.name ?? a.name;
    const uuid = `${short(name)}-0000-4000-8000-${short(name + "2")}0000`;
    return {
      arn: `arn:aws:events:${c.region}:${c.awsAccount}:connection/${name}/${uuid}`,
      secretArn: `arn:aws:secretsmanager:${c.region}:${c.awsAccount}:secret:events!connection/${name}/${uuid}-${short(name).slice(0, 6)}`,
    };
  },
  "aws:cloudwatch/logGroup:LogGroup": (a, c) => ({ arn: `arn:aws:logs:${c.region}:${c.awsAccount}:log-group:${a.inputs.name ?? a.name}` }),
  "aws:sns/topic:Topic": (a, c) => ({ arn: `arn:aws:sns:${c.region}:${c.awsAccount}:${a.inputs.name ?? a.name}` }),
  "aws:sns/topicSubscription:TopicSubscription": (a, c) => ({ arn: `arn:aws:sns:${c.region}:${c.awsAccount}:pending-confirmation-${short(a.name)}`, pendingConfirmation: true }),
  "aws:iam/openIdConnectProvider:OpenIdConnectProvider": (a, c) => ({ arn: `arn:aws:iam::${c.awsAccount}:oidc-provider/${String(a.inputs.url ?? "").replace(/^https:\/\//, "")}` }),
  "aws:ec2/internetGateway:InternetGateway": (a) => ({ id: `igw-${short(a.name)}` }),
  "aws:ec2/routeTable:RouteTable": (a) => ({ id: `rtb-${short(a.name)}` }),
  "aws:s3/bucket:Bucket": (a) => ({ bucket: a.inputs.bucket ?? a.name, arn: `arn:aws:s3:::${a.inputs.bucket ?? a.name}` }),
  "aws:iam/role:Role": (a, c) => ({ arn: `arn:aws:iam::${c.awsAccount}:role/${a.inputs.name ?? a.name}` }),
  "aws:iam/policy:Policy": (a, c) => ({ arn: `arn:aws:iam::${c.awsAccount}:policy/${a.inputs.name ?? a.name}` }),
  "aws:sqs/queue:Queue": (a, c) => ({
    arn: `arn:aws:sqs:${c.region}:${c.awsAccount}:${a.inputs.name ?? a.name}`,
    url: `https://sqs.${c.region}.amazonaws.com/${c.awsAccount}/${a.inputs.name ?? a.name}`,
  }),
  "aws:cloudwatch/metricAlarm:MetricAlarm": (a, c) => ({ arn: `arn:aws:cloudwatch:${c.region}:${c.awsAccount}:alarm:${a.inputs.name ?? a.name}` }),
  "aws:ecs/taskDefinition:TaskDefinition": (a, c) => ({
    arn: `arn:aws:ecs:${c.region}:${c.awsAccount}:task-definition/${a.inputs.family}:1`,
    arnWithoutRevision: `arn:aws:ecs:${c.region}:${c.awsAccount}:task-definition/${a.inputs.family}`,
    revision: 1,
  }),
  "aws:secretsmanager/secret:Secret": (a, c) => ({ arn: `arn:aws:secretsmanager:${c.region}:${c.awsAccount}:secret:${a.inputs.name ?? a.name}-${short(a.name).slice(0, 6)}` }),
  "aws:sfn/stateMachine:StateMachine": (a, c) => ({ arn: `arn:aws:states:${c.region}:${c.awsAccount}:stateMachine:${a.inputs.name ?? a.name}` }),
  "aws:ec2/vpc:Vpc": (a) => ({ id: `vpc-${short(a.name)}` }),
  "aws:ec2/subnet:Subnet": (a) => ({ id: `subnet-${short(a.name)}` }),
  "aws:ec2/securityGroup:SecurityGroup": (a) => ({ id: `sg-${short(a.name)}` }),
  // Snowflake: objects are addressed by their explicit names; schema-level objects by "DB"."SCHEMA"."NAME".
  "snowflake:index/schema:Schema": (a) => ({ fullyQualifiedName: `"${a.inputs.database}"."${a.inputs.name ?? a.name}"` }),
  "snowflake:index/stage:Stage": (a) => ({ fullyQualifiedName: `"${a.inputs.database}"."${a.inputs.schema}"."${a.inputs.name ?? a.name}"` }),
  "snowflake:index/serviceUser:ServiceUser": (a) => ({ userType: "SERVICE", loginName: a.inputs.loginName ?? a.inputs.name ?? a.name }),
  "snowflake:index/storageIntegration:StorageIntegration": (a) => ({
    storageGcpServiceAccount: `mock-${short(a.name)}@gcpuseast4-1234.iam.gserviceaccount.com`,
    storageAwsIamUserArn: `arn:aws:iam::999999999999:user/mock-${short(a.name)}`,
    storageAwsExternalId: `MOCK_SFCRole=1_${short(a.name)}`,
  }),
};

/** The id a mock resource gets: its physical name where one is set, else `<logical name>-id`. */
export function mockId(a: pulumi.runtime.MockResourceArgs): string {
  // A Fivetran resource's id is its Fivetran id (dependents read it as groupId/connectionId).
  if (a.type === "pulumi-nodejs:dynamic/fivetran:Group") return `mock_group_${short(a.name)}`;
  if (a.type === "pulumi-nodejs:dynamic/fivetran:Connection") return `mock_connection_${short(a.name)}`;
  const physical = a.inputs.name ?? a.inputs.bucket ?? a.inputs.accountId ?? a.inputs.secretId;
  return typeof physical === "string" ? physical : `${a.name}-id`;
}

export function mockState(a: pulumi.runtime.MockResourceArgs, ctx: MockContext): Record<string, unknown> {
  const generic: Record<string, unknown> = { name: a.inputs.name ?? a.name };
  if (a.type.startsWith("aws:")) {
    const service = a.type.split(":")[1].split("/")[0];
    generic.arn = `arn:aws:${service}:${ctx.region}:${ctx.awsAccount}:${a.inputs.name ?? a.name}`;
  }
  if (a.type.startsWith("snowflake:")) generic.fullyQualifiedName = `"${a.inputs.name ?? a.name}"`;
  return { ...generic, ...a.inputs, ...(STATE[a.type]?.(a, ctx) ?? {}) };
}

/** Answers for invokes (data sources) the program calls. */
export function mockCall(a: pulumi.runtime.MockCallArgs, ctx: MockContext): Record<string, unknown> {
  switch (a.token) {
    case "gcp:organizations/getClientConfig:getClientConfig":
      return { accessToken: "mock-access-token", project: ctx.gcpProject, region: ctx.region };
    case "gcp:organizations/getProject:getProject":
      return { projectId: ctx.gcpProject, number: "123456789", name: ctx.gcpProject };
    case "gcp:storage/getProjectServiceAccount:getProjectServiceAccount":
      return { emailAddress: "service-123456789@gs-project-accounts.iam.gserviceaccount.com", project: ctx.gcpProject, userProject: a.inputs.userProject };
    case "aws:index/getCallerIdentity:getCallerIdentity":
      return { accountId: ctx.awsAccount, arn: `arn:aws:iam::${ctx.awsAccount}:user/mock`, userId: "MOCK" };
    case "aws:index/getRegion:getRegion":
      return { name: ctx.region, region: ctx.region };
    case "aws:index/getPartition:getPartition":
      return { partition: "aws", dnsSuffix: "amazonaws.com" };
    case "aws:ecr/getAuthorizationToken:getAuthorizationToken":
      return { userName: "AWS", password: "mock-ecr-password", proxyEndpoint: `https://${ctx.awsAccount}.dkr.ecr.${ctx.region}.amazonaws.com` };
    case "aws:ec2/getSubnet:getSubnet":
      return { id: a.inputs.id, vpcId: `vpc-${short(String(a.inputs.id))}`, availabilityZone: `${ctx.region}a`, cidrBlock: "10.0.0.0/20" };
    case "aws:index/getAvailabilityZones:getAvailabilityZones":
      return { names: [`${ctx.region}a`, `${ctx.region}b`], zoneIds: ["z1", "z2"] };
    default:
      return {};
  }
}
