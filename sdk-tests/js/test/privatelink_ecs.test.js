// The product's core flows against awsemu, driven by the AWS SDK for JavaScript v3:
//
//   1. Interface VPC endpoints for ECS in private subnets (seeds 000-002): ecs,
//      ecs-agent and ecs-telemetry with private DNS, an S3 gateway endpoint on the
//      private route table, DescribeVpcEndpoints filters, DeleteVpcEndpoints and
//      the rules CreateVpcEndpoint enforces.
//   2. PrivateLink across three accounts (seed 003): provider 111111111111 puts an
//      internal NLB in its default subnets behind an endpoint service that requires
//      acceptance and allows consumer 222222222222; outsider 333333333333 is refused.
//   3. ECS on Fargate: RunTask on the world clock (a second awsemu with
//      `--pace manual`, advanced through `POST /_awsemu/clock`), the task ENI,
//      StopTask, DescribeTasks failures, a service reaching its desired count, and
//      the SDK's own waiters (waitUntilTasksRunning, waitUntilServicesStable).
//
// What is asserted follows awsemu's Python suite (sdk-tests/python/test_endpoints.py,
// test_privatelink.py, test_ecs.py), which pins awsemu's behaviour against botocore.
//
// Two servers are started for this file: `awsemu serve` (default pace `immediate`:
// the next request sees an asynchronous transition done) and `awsemu serve --pace
// manual` (time stands still until the clock is advanced). Tests that use random
// accounts do not depend on each other; the PrivateLink test owns the three fixed
// accounts above on the immediate server.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
// helpers.js makes the SDK configuration hermetic when it is loaded (scrubs AWS_*,
// empty shared config and credentials files, no IMDS), before the SDK is imported below.
import {
  ClientPool,
  TEST_TIMEOUT_MS,
  US_EAST_1,
  advanceClock,
  assertRecent,
  assertUsableIpInSubnet,
  expectError,
  health,
  idRe,
  newAccount,
  resetWorld,
  sleep,
  startServer,
  stopServer,
  tagValue,
} from "../lib/helpers.js";

// The SDK reads the hermetic environment when it is loaded, so import it afterwards.
const {
  EC2Client,
  AcceptVpcEndpointConnectionsCommand,
  AllocateAddressCommand,
  AttachInternetGatewayCommand,
  CreateInternetGatewayCommand,
  CreateNatGatewayCommand,
  CreateRouteCommand,
  DescribeNatGatewaysCommand,
  AssociateRouteTableCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateRouteTableCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  CreateVpcEndpointCommand,
  CreateVpcEndpointServiceConfigurationCommand,
  DeleteVpcEndpointServiceConfigurationsCommand,
  DeleteVpcEndpointsCommand,
  DescribeNetworkInterfacesCommand,
  DescribePrefixListsCommand,
  DescribeRouteTablesCommand,
  DescribeSubnetsCommand,
  DescribeVpcAttributeCommand,
  DescribeVpcEndpointConnectionsCommand,
  DescribeVpcEndpointServiceConfigurationsCommand,
  DescribeVpcEndpointServicePermissionsCommand,
  DescribeVpcEndpointServicesCommand,
  DescribeVpcEndpointsCommand,
  DescribeVpcsCommand,
  ModifyVpcAttributeCommand,
  ModifyVpcEndpointServicePermissionsCommand,
  RejectVpcEndpointConnectionsCommand,
} = await import("@aws-sdk/client-ec2");
const {
  ElasticLoadBalancingV2Client,
  CreateLoadBalancerCommand,
  DeleteLoadBalancerCommand,
  DescribeLoadBalancersCommand,
} = await import("@aws-sdk/client-elastic-load-balancing-v2");
const {
  ECSClient,
  CreateClusterCommand,
  CreateServiceCommand,
  DescribeClustersCommand,
  DescribeServicesCommand,
  DescribeTasksCommand,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  StopTaskCommand,
  paginateListTasks,
  waitUntilServicesStable,
  waitUntilTasksRunning,
} = await import("@aws-sdk/client-ecs");

// ---------------------------------------------------------------------------
// Constants
// ---------------------------------------------------------------------------
const VPCE_ID = idRe("vpce");
const VPCE_SVC_ID = idRe("vpce-svc");
const VPCE_CON_ID = idRe("vpce-con");
const VPCE_SVC_PERM_ID = idRe("vpce-svc-perm");
const ENI_ID = idRe("eni");
const UNKNOWN_VPCE = "vpce-0123456789abcdef0";
const VPCE_ZONE = "Z7HUB22UULQXV"; // hosted zone of *.vpce.amazonaws.com names
const PRIVATE_ZONE = /^Z[A-Z0-9]{20}$/; // private hosted zone of a private DNS name
const NLB_ZONE = "Z26RNL4JYFTOTI";
const S3_PREFIX_LIST = "pl-63a5400a";
const INTERFACE_POLICY =
  '{\n  "Statement": [\n    {\n      "Action": "*", \n      "Effect": "Allow", \n' +
  '      "Principal": "*", \n      "Resource": "*"\n    }\n  ]\n}';
const GATEWAY_POLICY =
  '{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Principal":"*",' +
  '"Action":"*","Resource":"*"}]}';

/** The three ECS endpoints of the seed guides: suffix -> [DNS label, private DNS name]. */
const ECS_ENDPOINTS = {
  ecs: ["ecs", "ecs.us-east-1.amazonaws.com"],
  "ecs-agent": ["ecs-agent", "ecs-a.us-east-1.amazonaws.com"],
  "ecs-telemetry": ["ecs-telemetry", "ecs-t.us-east-1.amazonaws.com"],
};

const PROVIDER = "111111111111";
const CONSUMER = "222222222222";
const OUTSIDER = "333333333333";
const ALL_AZS = ["a", "b", "c", "d", "e", "f"].map((c) => `us-east-1${c}`);
const ACTIVE_CONNECTIONS_MESSAGE = "Service has existing active VPC Endpoint connections!";

const ECS_TASK_ID = /^[0-9a-f]{32}$/;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAC_RE = /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/;
const UNKNOWN_TASK_ID = "0123456789abcdef0123456789abcdef";

const svcName = (short) => `com.amazonaws.${US_EAST_1}.${short}`;
const root = (account) => `arn:aws:iam::${account}:root`;
const filter = (name, ...values) => ({ Name: name, Values: values });

// ---------------------------------------------------------------------------
// Servers and clients
// ---------------------------------------------------------------------------
let server; // --pace immediate (default)
let manual; // --pace manual
const clients = new ClientPool();

const ec2 = (account, srv = server) => clients.make(EC2Client, srv.endpoint, account);
const elbv2 = (account, srv = server) => clients.make(ElasticLoadBalancingV2Client, srv.endpoint, account);
const ecs = (account, srv = server) => clients.make(ECSClient, srv.endpoint, account);

before(async () => {
  [server, manual] = await Promise.all([startServer(), startServer(["--pace", "manual"])]);
  assert.equal((await health(server.endpoint)).pace, "immediate", "default pace");
  assert.equal((await health(manual.endpoint)).pace, "manual", "--pace manual");
  await Promise.all([resetWorld(server.endpoint), resetWorld(manual.endpoint)]);
});

after(async () => {
  clients.destroyAll();
  await Promise.all([stopServer(server?.child), stopServer(manual?.child)]);
});

// ---------------------------------------------------------------------------
// EC2 helpers
// ---------------------------------------------------------------------------
async function newVpc(c, cidr) {
  const { Vpc } = await c.send(new CreateVpcCommand({ CidrBlock: cidr }));
  return Vpc.VpcId;
}

async function newSubnet(c, vpcId, cidr, az) {
  const { Subnet } = await c.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: cidr, AvailabilityZone: az }));
  return Subnet.SubnetId;
}

async function availableIps(c, subnetId) {
  const { Subnets } = await c.send(new DescribeSubnetsCommand({ SubnetIds: [subnetId] }));
  return Subnets[0].AvailableIpAddressCount;
}

async function describeEndpoint(c, vpceId) {
  const { VpcEndpoints } = await c.send(new DescribeVpcEndpointsCommand({ VpcEndpointIds: [vpceId] }));
  assert.deepEqual(VpcEndpoints.map((e) => e.VpcEndpointId), [vpceId]);
  return VpcEndpoints[0];
}

async function endpointIds(c, input) {
  const { VpcEndpoints } = await c.send(new DescribeVpcEndpointsCommand(input));
  return (VpcEndpoints ?? []).map((e) => e.VpcEndpointId).sort();
}

async function vpcEnis(c, vpcId) {
  const { NetworkInterfaces } = await c.send(
    new DescribeNetworkInterfacesCommand({ Filters: [filter("vpc-id", vpcId)] }),
  );
  return NetworkInterfaces ?? [];
}

async function prefixListRoutes(c, rtbId) {
  const { RouteTables } = await c.send(new DescribeRouteTablesCommand({ RouteTableIds: [rtbId] }));
  assert.equal(RouteTables.length, 1);
  return RouteTables[0].Routes.filter((r) => r.DestinationPrefixListId);
}

/** {az: subnetId} of the account's default subnets. */
async function defaultSubnets(c) {
  const { Subnets } = await c.send(new DescribeSubnetsCommand({ Filters: [filter("default-for-az", "true")] }));
  const byAz = Object.fromEntries(Subnets.map((s) => [s.AvailabilityZone, s.SubnetId]));
  assert.equal(Object.keys(byAz).length, Subnets.length, "one default subnet per AZ");
  return byAz;
}

async function defaultVpcId(c) {
  const { Vpcs } = await c.send(new DescribeVpcsCommand({ Filters: [filter("is-default", "true")] }));
  assert.equal(Vpcs.length, 1);
  return Vpcs[0].VpcId;
}

/**
 * The private network of the ECS guides in a fresh account: VPC 10.0.0.0/16 with DNS
 * hostnames on, private subnets in us-east-1a/b, a route table associated with both,
 * and an endpoint security group allowing TCP 443 from the VPC.
 */
async function privateNetwork(c) {
  const vpc = await newVpc(c, "10.0.0.0/16");
  await c.send(new ModifyVpcAttributeCommand({ VpcId: vpc, EnableDnsHostnames: { Value: true } }));
  const s1 = await newSubnet(c, vpc, "10.0.1.0/24", "us-east-1a");
  const s2 = await newSubnet(c, vpc, "10.0.2.0/24", "us-east-1b");
  const { RouteTable } = await c.send(new CreateRouteTableCommand({ VpcId: vpc }));
  const rtb = RouteTable.RouteTableId;
  for (const subnet of [s1, s2]) {
    await c.send(new AssociateRouteTableCommand({ RouteTableId: rtb, SubnetId: subnet }));
  }
  const { GroupId: sg } = await c.send(
    new CreateSecurityGroupCommand({ GroupName: "vpce-ecs", Description: "ECS endpoints", VpcId: vpc }),
  );
  await c.send(
    new AuthorizeSecurityGroupIngressCommand({
      GroupId: sg,
      IpPermissions: [{ IpProtocol: "tcp", FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: "10.0.0.0/16" }] }],
    }),
  );
  const { RouteTables } = await c.send(
    new DescribeRouteTablesCommand({ Filters: [filter("vpc-id", vpc), filter("association.main", "true")] }),
  );
  assert.equal(RouteTables.length, 1, "one main route table");
  return {
    vpc,
    s1,
    s2,
    rtb,
    sg,
    mainRtb: RouteTables[0].RouteTableId,
    cidr: { [s1]: "10.0.1.0/24", [s2]: "10.0.2.0/24" },
    az: { [s1]: "us-east-1a", [s2]: "us-east-1b" },
  };
}

/**
 * Pins DnsEntries exactly, in order: the regional name, one zonal name per AZ (subnet
 * order), then the private DNS name (if any) in a private hosted zone. Returns the
 * 8-character suffix of the names.
 */
function assertDnsEntries(ep, label, azs, privateName) {
  const entries = ep.DnsEntries;
  assert.ok(Array.isArray(entries) && entries.length > 0, `DnsEntries of ${ep.VpcEndpointId}`);
  const vpce = ep.VpcEndpointId;
  const m = new RegExp(`^${vpce}-([a-z0-9]{8})\\.${label.replace(/\./g, "\\.")}\\.us-east-1\\.vpce\\.amazonaws\\.com$`).exec(
    entries[0].DnsName,
  );
  assert.ok(m, `regional DNS name ${entries[0].DnsName}`);
  const suffix = m[1];
  const want = [
    `${vpce}-${suffix}.${label}.us-east-1.vpce.amazonaws.com`,
    ...azs.map((az) => `${vpce}-${suffix}-${az}.${label}.us-east-1.vpce.amazonaws.com`),
  ];
  if (privateName) want.push(privateName);
  assert.deepEqual(entries.map((e) => e.DnsName), want, "DnsEntries names");
  for (const e of entries.slice(0, 1 + azs.length)) assert.equal(e.HostedZoneId, VPCE_ZONE, e.DnsName);
  if (privateName) assert.match(entries.at(-1).HostedZoneId, PRIVATE_ZONE, "private DNS hosted zone");
  return suffix;
}

// ---------------------------------------------------------------------------
// ECS helpers
// ---------------------------------------------------------------------------
const ecsArn = (account, resource) => `arn:aws:ecs:${US_EAST_1}:${account}:${resource}`;

/**
 * Gives the VPC's private subnets (its main route table) a way to Docker Hub,
 * as on AWS: an internet gateway, a public subnet routing to it, a public NAT
 * gateway there and a 0.0.0.0/0 route to it in the main route table. Returns
 * once the NAT gateway is available (on the manual server, after 5 s of clock).
 */
async function natEgress(c, srv, vpc, publicCidr) {
  const { InternetGateway } = await c.send(new CreateInternetGatewayCommand({}));
  const igw = InternetGateway.InternetGatewayId;
  await c.send(new AttachInternetGatewayCommand({ InternetGatewayId: igw, VpcId: vpc }));
  const subnet = await newSubnet(c, vpc, publicCidr, "us-east-1a");
  const { RouteTable } = await c.send(new CreateRouteTableCommand({ VpcId: vpc }));
  await c.send(
    new CreateRouteCommand({ RouteTableId: RouteTable.RouteTableId, DestinationCidrBlock: "0.0.0.0/0", GatewayId: igw }),
  );
  await c.send(new AssociateRouteTableCommand({ RouteTableId: RouteTable.RouteTableId, SubnetId: subnet }));
  const { AllocationId } = await c.send(new AllocateAddressCommand({ Domain: "vpc" }));
  const { NatGateway } = await c.send(new CreateNatGatewayCommand({ SubnetId: subnet, AllocationId }));
  const nat = NatGateway.NatGatewayId;
  const { RouteTables } = await c.send(
    new DescribeRouteTablesCommand({ Filters: [filter("vpc-id", vpc), filter("association.main", "true")] }),
  );
  await c.send(
    new CreateRouteCommand({ RouteTableId: RouteTables[0].RouteTableId, DestinationCidrBlock: "0.0.0.0/0", NatGatewayId: nat }),
  );
  if (srv === manual) await advanceClock(srv.endpoint, 5);
  const { NatGateways } = await c.send(new DescribeNatGatewaysCommand({ NatGatewayIds: [nat] }));
  assert.equal(NatGateways[0].State, "available");
  return { igw, subnet, nat };
}

/** The interfaces in an ECS world's task subnets (the NAT gateway's is in its own). */
async function taskSubnetEnis(w) {
  const { NetworkInterfaces } = await w.c.send(
    new DescribeNetworkInterfacesCommand({ Filters: [filter("vpc-id", w.vpc), filter("subnet-id", w.s1, w.s2)] }),
  );
  return NetworkInterfaces ?? [];
}

/**
 * A fresh account with a VPC, private subnets in us-east-1a/b (reaching Docker
 * Hub through a NAT gateway), a security group, cluster "app" and task definition web:1.
 */
async function ecsWorld(srv) {
  const account = newAccount();
  const c = ec2(account, srv);
  const e = ecs(account, srv);
  const vpc = await newVpc(c, "10.0.0.0/16");
  const s1 = await newSubnet(c, vpc, "10.0.1.0/24", "us-east-1a");
  const s2 = await newSubnet(c, vpc, "10.0.2.0/24", "us-east-1b");
  await natEgress(c, srv, vpc, "10.0.255.0/24");
  const { GroupId: sg } = await c.send(
    new CreateSecurityGroupCommand({ GroupName: "web-tasks", Description: "web tasks", VpcId: vpc }),
  );
  const { cluster } = await e.send(new CreateClusterCommand({ clusterName: "app" }));
  assert.equal(cluster.clusterArn, ecsArn(account, "cluster/app"));
  assert.equal(cluster.status, "ACTIVE");
  const { taskDefinition: td } = await e.send(
    new RegisterTaskDefinitionCommand({
      family: "web",
      networkMode: "awsvpc",
      requiresCompatibilities: ["FARGATE"],
      cpu: "256",
      memory: "512",
      containerDefinitions: [{ name: "web", image: "nginx:latest", portMappings: [{ containerPort: 80 }] }],
    }),
  );
  return {
    account,
    c,
    e,
    vpc,
    s1,
    s2,
    sg,
    td,
    cidr: { [s1]: "10.0.1.0/24", [s2]: "10.0.2.0/24" },
    az: { [s1]: "us-east-1a", [s2]: "us-east-1b" },
  };
}

function awsvpc(subnets, groups) {
  return { awsvpcConfiguration: { subnets, securityGroups: groups } };
}

async function runTask(w, subnets = [w.s1]) {
  const resp = await w.e.send(
    new RunTaskCommand({
      cluster: "app",
      taskDefinition: "web",
      launchType: "FARGATE",
      count: 1,
      networkConfiguration: awsvpc(subnets, [w.sg]),
    }),
  );
  assert.deepEqual(resp.failures, [], "RunTask failures");
  assert.equal(resp.tasks.length, 1);
  return resp.tasks[0];
}

async function describeTask(w, taskArn) {
  const resp = await w.e.send(new DescribeTasksCommand({ cluster: "app", tasks: [taskArn] }));
  assert.deepEqual(resp.failures, [], "DescribeTasks failures");
  assert.deepEqual(resp.tasks.map((t) => t.taskArn), [taskArn]);
  return resp.tasks[0];
}

function eniAttachment(task) {
  const atts = (task.attachments ?? []).filter((a) => a.type === "ElasticNetworkInterface");
  assert.equal(atts.length, 1, `one ENI attachment: ${JSON.stringify(task.attachments)}`);
  return atts[0];
}

function details(att) {
  return Object.fromEntries(att.details.map((d) => [d.name, d.value]));
}

// ---------------------------------------------------------------------------
// 1. Interface VPC endpoints for ECS
// ---------------------------------------------------------------------------
describe("interface VPC endpoints for ECS (seeds 000-002)", { timeout: TEST_TIMEOUT_MS * 10 }, () => {
  test("ecs, ecs-agent, ecs-telemetry with private DNS and an S3 gateway endpoint in private subnets", { timeout: TEST_TIMEOUT_MS }, async () => {
    const account = newAccount();
    const c = ec2(account);

    // A new VPC has DNS support but not DNS hostnames; private DNS needs both.
    const vpc0 = await newVpc(c, "10.0.0.0/16");
    const support = await c.send(new DescribeVpcAttributeCommand({ VpcId: vpc0, Attribute: "enableDnsSupport" }));
    assert.deepEqual(support.EnableDnsSupport, { Value: true });
    const hostnames = await c.send(new DescribeVpcAttributeCommand({ VpcId: vpc0, Attribute: "enableDnsHostnames" }));
    assert.deepEqual(hostnames.EnableDnsHostnames, { Value: false });

    const net = await privateNetwork(c);
    const after = await c.send(new DescribeVpcAttributeCommand({ VpcId: net.vpc, Attribute: "enableDnsHostnames" }));
    assert.deepEqual(after.EnableDnsHostnames, { Value: true });
    const subnets = [net.s1, net.s2];

    // --- the three interface endpoints --------------------------------------------
    const created = {};
    for (const [short, [label, privateName]] of Object.entries(ECS_ENDPOINTS)) {
      const { VpcEndpoint: ep } = await c.send(
        new CreateVpcEndpointCommand({
          VpcId: net.vpc,
          ServiceName: svcName(short),
          VpcEndpointType: "Interface",
          SubnetIds: subnets,
          SecurityGroupIds: [net.sg],
          PrivateDnsEnabled: true,
          TagSpecifications: [{ ResourceType: "vpc-endpoint", Tags: [{ Key: "Name", Value: `ecs-${short}` }] }],
        }),
      );
      assert.match(ep.VpcEndpointId, VPCE_ID);
      assert.equal(ep.State, "pending", `${short} starts pending`);
      assert.equal(ep.VpcEndpointType, "Interface");
      assert.equal(ep.VpcId, net.vpc);
      assert.equal(ep.ServiceName, svcName(short));
      assert.deepEqual(ep.SubnetIds, subnets);
      assert.deepEqual(ep.RouteTableIds, []);
      assert.deepEqual(ep.Groups, [{ GroupId: net.sg, GroupName: "vpce-ecs" }]);
      assert.equal(ep.PrivateDnsEnabled, true);
      assert.equal(ep.RequesterManaged, false);
      assert.equal(ep.IpAddressType, "ipv4");
      assert.equal(ep.DnsOptions?.DnsRecordIpType, "ipv4");
      assert.equal(ep.OwnerId, account);
      assert.equal(ep.ServiceRegion, US_EAST_1);
      assert.equal(ep.PolicyDocument, INTERFACE_POLICY);
      assert.equal(tagValue(ep.Tags, "Name"), `ecs-${short}`);
      assertRecent(ep.CreationTimestamp, "CreationTimestamp");
      assert.equal(ep.NetworkInterfaceIds.length, 2, "one ENI per subnet");
      for (const id of ep.NetworkInterfaceIds) assert.match(id, ENI_ID);
      assertDnsEntries(ep, label, ["us-east-1a", "us-east-1b"], privateName);
      created[short] = ep;
    }
    const interfaceIds = Object.values(created).map((e) => e.VpcEndpointId);
    assert.equal(new Set(interfaceIds).size, 3);

    // --- the S3 gateway endpoint on the private route table -----------------------
    const { VpcEndpoint: s3 } = await c.send(
      new CreateVpcEndpointCommand({
        VpcId: net.vpc,
        ServiceName: svcName("s3"),
        VpcEndpointType: "Gateway",
        RouteTableIds: [net.rtb],
      }),
    );
    assert.match(s3.VpcEndpointId, VPCE_ID);
    assert.equal(s3.State, "available", "a gateway endpoint is available at once");
    assert.equal(s3.VpcEndpointType, "Gateway");
    assert.equal(s3.ServiceName, "com.amazonaws.us-east-1.s3");
    assert.deepEqual(s3.RouteTableIds, [net.rtb]);
    assert.deepEqual(s3.SubnetIds, []);
    assert.deepEqual(s3.NetworkInterfaceIds, []);
    assert.deepEqual(s3.DnsEntries, []);
    assert.deepEqual(s3.Groups, []);
    assert.equal(s3.PolicyDocument, GATEWAY_POLICY);
    assert.equal(s3.PrivateDnsEnabled ?? false, false);

    // --- described back: all available, same ENIs, DNS names and creation time -------
    const { VpcEndpoints } = await c.send(new DescribeVpcEndpointsCommand({ Filters: [filter("vpc-id", net.vpc)] }));
    const byId = Object.fromEntries(VpcEndpoints.map((e) => [e.VpcEndpointId, e]));
    assert.deepEqual(Object.keys(byId).sort(), [...interfaceIds, s3.VpcEndpointId].sort());
    const allIps = [];
    for (const [short, ep] of Object.entries(created)) {
      const d = byId[ep.VpcEndpointId];
      assert.equal(d.State, "available", `${short} is available`);
      assert.equal(d.PrivateDnsEnabled, true);
      assert.deepEqual(d.Groups, [{ GroupId: net.sg, GroupName: "vpce-ecs" }]);
      assert.deepEqual(d.SubnetIds, subnets);
      assert.deepEqual(d.NetworkInterfaceIds, ep.NetworkInterfaceIds);
      assert.deepEqual(d.DnsEntries, ep.DnsEntries);
      assert.equal(d.CreationTimestamp.getTime(), ep.CreationTimestamp.getTime());
      assert.equal(tagValue(d.Tags, "Name"), `ecs-${short}`);

      // Each ENI is a requester-managed vpc_endpoint interface in its subnet.
      const { NetworkInterfaces: enis } = await c.send(
        new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: d.NetworkInterfaceIds }),
      );
      assert.deepEqual(enis.map((e) => e.NetworkInterfaceId).sort(), [...d.NetworkInterfaceIds].sort());
      const bySubnet = new Map();
      for (const eni of enis) {
        assert.equal(eni.InterfaceType, "vpc_endpoint", eni.NetworkInterfaceId);
        assert.equal(eni.RequesterManaged, true);
        assert.equal(eni.Status, "in-use");
        assert.equal(eni.Description, `VPC Endpoint Interface ${d.VpcEndpointId}`);
        assert.equal(eni.VpcId, net.vpc);
        assert.deepEqual(eni.Groups.map((g) => g.GroupId), [net.sg]);
        assert.ok(subnets.includes(eni.SubnetId), `ENI subnet ${eni.SubnetId}`);
        assert.ok(!bySubnet.has(eni.SubnetId), "one ENI per subnet");
        bySubnet.set(eni.SubnetId, eni);
        assert.equal(eni.AvailabilityZone, net.az[eni.SubnetId]);
        assertUsableIpInSubnet(eni.PrivateIpAddress, net.cidr[eni.SubnetId]);
        allIps.push(eni.PrivateIpAddress);
      }
      assert.equal(bySubnet.size, 2);
    }
    assert.equal(new Set(allIps).size, 6, "no two endpoint ENIs share an address");
    const d3 = byId[s3.VpcEndpointId];
    assert.equal(d3.State, "available");
    assert.deepEqual(d3.RouteTableIds, [net.rtb]);

    // Three ENIs per private subnet, one address each.
    assert.equal((await vpcEnis(c, net.vpc)).length, 6);
    assert.equal(await availableIps(c, net.s1), 251 - 3);
    assert.equal(await availableIps(c, net.s2), 251 - 3);

    // --- the S3 prefix-list route, on the private route table only ------------------
    const routes = await prefixListRoutes(c, net.rtb);
    assert.equal(routes.length, 1, JSON.stringify(routes));
    assert.equal(routes[0].DestinationPrefixListId, S3_PREFIX_LIST);
    assert.equal(routes[0].GatewayId, s3.VpcEndpointId);
    assert.equal(routes[0].Origin, "CreateRoute");
    assert.equal(routes[0].State, "active");
    assert.deepEqual(await prefixListRoutes(c, net.mainRtb), []);
    const { PrefixLists } = await c.send(new DescribePrefixListsCommand({ PrefixListIds: [S3_PREFIX_LIST] }));
    assert.deepEqual(PrefixLists.map((p) => p.PrefixListName), ["com.amazonaws.us-east-1.s3"]);
    assert.ok(PrefixLists[0].Cidrs.length > 0, "the S3 prefix list has CIDRs");

    // --- DescribeVpcEndpoints filters (values OR, filters AND) -----------------------
    const all = [...interfaceIds, s3.VpcEndpointId].sort();
    assert.deepEqual(await endpointIds(c, { Filters: [filter("service-name", svcName("ecs*"))] }), [...interfaceIds].sort());
    assert.deepEqual(await endpointIds(c, { Filters: [filter("service-name", svcName("ecs"))] }), [created.ecs.VpcEndpointId]);
    assert.deepEqual(await endpointIds(c, { Filters: [filter("vpc-endpoint-type", "Gateway")] }), [s3.VpcEndpointId]);
    assert.deepEqual(await endpointIds(c, { Filters: [filter("vpc-endpoint-type", "Interface")] }), [...interfaceIds].sort());
    assert.deepEqual(await endpointIds(c, { Filters: [filter("vpc-endpoint-state", "available")] }), all);
    assert.deepEqual(await endpointIds(c, { Filters: [filter("vpc-endpoint-state", "pending")] }), []);
    assert.deepEqual(
      await endpointIds(c, { Filters: [filter("tag:Name", "ecs-ecs-agent", "ecs-ecs-telemetry")] }),
      [created["ecs-agent"].VpcEndpointId, created["ecs-telemetry"].VpcEndpointId].sort(),
    );
    assert.deepEqual(
      await endpointIds(c, { Filters: [filter("vpc-endpoint-type", "Interface"), filter("tag:Name", "ecs-ecs")] }),
      [created.ecs.VpcEndpointId],
    );
    assert.deepEqual(
      await endpointIds(c, { VpcEndpointIds: [created.ecs.VpcEndpointId, s3.VpcEndpointId], Filters: [filter("vpc-endpoint-type", "Gateway")] }),
      [s3.VpcEndpointId],
    );
    await expectError(
      c.send(new DescribeVpcEndpointsCommand({ Filters: [filter("no-such-filter", "x")] })),
      "InvalidParameterValue",
    );
    // Another account sees none of them.
    assert.deepEqual(await endpointIds(ec2(newAccount()), {}), []);
  });

  test("DeleteVpcEndpoints: unknown ids are Unsuccessful items; ENIs, addresses and the route are released", { timeout: TEST_TIMEOUT_MS }, async () => {
    const c = ec2(newAccount());
    const net = await privateNetwork(c);
    const { VpcEndpoint: ep } = await c.send(
      new CreateVpcEndpointCommand({
        VpcId: net.vpc,
        ServiceName: svcName("ecs-agent"),
        VpcEndpointType: "Interface",
        SubnetIds: [net.s1, net.s2],
        SecurityGroupIds: [net.sg],
      }),
    );
    // PrivateDnsEnabled omitted: on, since the VPC has DNS support and DNS hostnames.
    assert.equal(ep.PrivateDnsEnabled, true);
    assertDnsEntries(ep, "ecs-agent", ["us-east-1a", "us-east-1b"], "ecs-a.us-east-1.amazonaws.com");
    const { VpcEndpoint: gw } = await c.send(
      new CreateVpcEndpointCommand({ VpcId: net.vpc, ServiceName: svcName("s3"), VpcEndpointType: "Gateway", RouteTableIds: [net.rtb] }),
    );
    assert.equal((await vpcEnis(c, net.vpc)).length, 2);
    assert.equal(await availableIps(c, net.s1), 250);
    assert.equal((await prefixListRoutes(c, net.rtb)).length, 1);

    // A malformed id fails the whole call, and deletes nothing.
    const malformed = await expectError(
      c.send(new DeleteVpcEndpointsCommand({ VpcEndpointIds: [ep.VpcEndpointId, "vpce-XYZ"] })),
      "InvalidVpcEndpointId.Malformed",
    );
    assert.ok(malformed.message.includes("vpce-XYZ"), malformed.message);
    assert.equal((await describeEndpoint(c, ep.VpcEndpointId)).State, "available");

    // An unknown (well-formed) id is an Unsuccessful item next to the deleted ones.
    const resp = await c.send(
      new DeleteVpcEndpointsCommand({ VpcEndpointIds: [ep.VpcEndpointId, UNKNOWN_VPCE, gw.VpcEndpointId] }),
    );
    assert.equal(resp.$metadata.httpStatusCode, 200);
    assert.equal(resp.Unsuccessful.length, 1, JSON.stringify(resp.Unsuccessful));
    assert.equal(resp.Unsuccessful[0].ResourceId, UNKNOWN_VPCE);
    assert.equal(resp.Unsuccessful[0].Error.Code, "InvalidVpcEndpoint.NotFound");
    assert.ok(resp.Unsuccessful[0].Error.Message.includes(UNKNOWN_VPCE), resp.Unsuccessful[0].Error.Message);

    // Immediate pace: the next request sees the deletion done.
    for (const id of [ep.VpcEndpointId, gw.VpcEndpointId]) {
      await expectError(c.send(new DescribeVpcEndpointsCommand({ VpcEndpointIds: [id] })), "InvalidVpcEndpointId.NotFound");
    }
    assert.deepEqual(await endpointIds(c, {}), []);
    assert.deepEqual(await vpcEnis(c, net.vpc), []);
    for (const id of ep.NetworkInterfaceIds) {
      await expectError(
        c.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [id] })),
        "InvalidNetworkInterfaceID.NotFound",
      );
    }
    assert.equal(await availableIps(c, net.s1), 251);
    assert.equal(await availableIps(c, net.s2), 251);
    assert.deepEqual(await prefixListRoutes(c, net.rtb), []);
  });

  test("CreateVpcEndpoint rules: service name, private DNS prerequisites and conflicts, type, zones", { timeout: TEST_TIMEOUT_MS }, async () => {
    const c = ec2(newAccount());
    const net = await privateNetwork(c);
    const interfaceTo = (short, extra = {}) =>
      c.send(
        new CreateVpcEndpointCommand({
          VpcId: net.vpc,
          ServiceName: short.startsWith("com.") ? short : svcName(short),
          VpcEndpointType: "Interface",
          SubnetIds: [net.s1],
          ...extra,
        }),
      );
    const assertNothingCreated = async () => {
      assert.deepEqual(await endpointIds(c, {}), []);
      assert.deepEqual(await vpcEnis(c, net.vpc), []);
      assert.equal(await availableIps(c, net.s1), 251);
    };

    // An unknown service, a wrong case, and another Region's service.
    for (const name of [svcName("no-such-service"), svcName("ECS"), "com.amazonaws.us-west-2.ecs"]) {
      const err = await expectError(interfaceTo(name), "InvalidServiceName");
      assert.ok(err.message.includes(name), err.message);
    }
    // ecs is an interface-only service.
    await expectError(
      c.send(new CreateVpcEndpointCommand({ VpcId: net.vpc, ServiceName: svcName("ecs"), VpcEndpointType: "Gateway", RouteTableIds: [net.rtb] })),
      "InvalidParameter",
    );
    // Two subnets in one Availability Zone.
    const s1b = await newSubnet(c, net.vpc, "10.0.4.0/24", "us-east-1a");
    await expectError(
      c.send(new CreateVpcEndpointCommand({ VpcId: net.vpc, ServiceName: svcName("ecs"), VpcEndpointType: "Interface", SubnetIds: [net.s1, s1b] })),
      "DuplicateSubnetsInSameZone",
    );
    await assertNothingCreated();

    // Private DNS on a VPC without enableDnsHostnames (a new VPC's default).
    const bare = await newVpc(c, "10.4.0.0/16");
    const bareSubnet = await newSubnet(c, bare, "10.4.1.0/24", "us-east-1a");
    const noHostnames = await expectError(
      c.send(
        new CreateVpcEndpointCommand({
          VpcId: bare,
          ServiceName: svcName("ecs"),
          VpcEndpointType: "Interface",
          SubnetIds: [bareSubnet],
          PrivateDnsEnabled: true,
        }),
      ),
      "InvalidParameter",
    );
    assert.ok(noHostnames.message.includes("enableDnsHostnames"), noHostnames.message);
    assert.equal(await availableIps(c, bareSubnet), 251);
    // Without it, private DNS defaults to off there: only the vpce names.
    const { VpcEndpoint: plain } = await c.send(
      new CreateVpcEndpointCommand({ VpcId: bare, ServiceName: svcName("ecs"), VpcEndpointType: "Interface", SubnetIds: [bareSubnet] }),
    );
    assert.equal(plain.PrivateDnsEnabled, false);
    assertDnsEntries(plain, "ecs", ["us-east-1a"], null);

    // A second private-DNS endpoint to the same service in the same VPC conflicts.
    const { VpcEndpoint: first } = await interfaceTo("ecs-telemetry", { PrivateDnsEnabled: true });
    const conflict = await expectError(interfaceTo("ecs-telemetry", { SubnetIds: [net.s2], PrivateDnsEnabled: true }), "InvalidParameter");
    assert.ok(conflict.message.includes("conflicting DNS domain"), conflict.message);
    assert.deepEqual(await endpointIds(c, { Filters: [filter("vpc-id", net.vpc)] }), [first.VpcEndpointId]);
    assert.equal(await availableIps(c, net.s2), 251);
  });
});

// ---------------------------------------------------------------------------
// 2. PrivateLink across three accounts
// ---------------------------------------------------------------------------
describe("PrivateLink across accounts (seed 003)", { timeout: TEST_TIMEOUT_MS * 10 }, () => {
  test("provider NLB + endpoint service with acceptance; consumer accepted, second endpoint rejected; outsider refused", { timeout: TEST_TIMEOUT_MS }, async () => {
    const p = ec2(PROVIDER);
    const c = ec2(CONSUMER);
    const o = ec2(OUTSIDER);
    const elb = elbv2(PROVIDER);

    // --- 1. an internal network load balancer in the provider's default subnets ------
    const providerSubnets = await defaultSubnets(p);
    assert.deepEqual(Object.keys(providerSubnets).sort(), ALL_AZS);
    const providerVpc = await defaultVpcId(p);
    const { LoadBalancers: [lb] } = await elb.send(
      new CreateLoadBalancerCommand({
        Name: "nlb-vpce",
        Type: "network",
        Scheme: "internal",
        Subnets: ALL_AZS.map((az) => providerSubnets[az]),
      }),
    );
    const nlbArn = lb.LoadBalancerArn;
    const arnMatch = /^arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer\/net\/nlb-vpce\/([0-9a-f]{16})$/.exec(nlbArn);
    assert.ok(arnMatch, nlbArn);
    assert.equal(lb.DNSName, `nlb-vpce-${arnMatch[1]}.elb.us-east-1.amazonaws.com`);
    assert.equal(lb.CanonicalHostedZoneId, NLB_ZONE);
    assert.equal(lb.LoadBalancerName, "nlb-vpce");
    assert.equal(lb.Type, "network");
    assert.equal(lb.Scheme, "internal");
    assert.equal(lb.VpcId, providerVpc);
    assert.equal(lb.IpAddressType, "ipv4");
    assert.equal(lb.State.Code, "provisioning");
    assertRecent(lb.CreatedTime, "CreatedTime");
    assert.deepEqual(
      [...lb.AvailabilityZones].sort((a, b) => a.ZoneName.localeCompare(b.ZoneName)),
      ALL_AZS.map((az) => ({ ZoneName: az, SubnetId: providerSubnets[az], LoadBalancerAddresses: [] })),
    );
    const { LoadBalancers: [described] } = await elb.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [nlbArn] }));
    assert.equal(described.State.Code, "active", "the NLB is active on the next request");
    const { NetworkInterfaces: nlbEnis } = await p.send(
      new DescribeNetworkInterfacesCommand({ Filters: [filter("interface-type", "network_load_balancer")] }),
    );
    assert.deepEqual(nlbEnis.map((e) => e.SubnetId).sort(), Object.values(providerSubnets).sort());
    for (const eni of nlbEnis) assert.equal(eni.Description, `ELB net/nlb-vpce/${arnMatch[1]}`);

    // --- 2. the endpoint service, acceptance required ----------------------------------
    const { ServiceConfiguration: cfg } = await p.send(
      new CreateVpcEndpointServiceConfigurationCommand({ NetworkLoadBalancerArns: [nlbArn], AcceptanceRequired: true }),
    );
    const sid = cfg.ServiceId;
    const sname = cfg.ServiceName;
    assert.match(sid, VPCE_SVC_ID);
    assert.equal(sname, `com.amazonaws.vpce.us-east-1.${sid}`);
    assert.deepEqual(cfg.ServiceType, [{ ServiceType: "Interface" }]);
    assert.equal(cfg.ServiceState, "Available");
    assert.equal(cfg.AcceptanceRequired, true);
    assert.equal(cfg.ManagesVpcEndpoints, false);
    assert.deepEqual([...cfg.AvailabilityZones].sort(), ALL_AZS);
    assert.deepEqual(cfg.BaseEndpointDnsNames, [`${sid}.us-east-1.vpce.amazonaws.com`]);
    assert.deepEqual(cfg.NetworkLoadBalancerArns, [nlbArn]);
    assert.deepEqual(cfg.SupportedIpAddressTypes, ["ipv4"]);
    const { ServiceConfigurations } = await p.send(new DescribeVpcEndpointServiceConfigurationsCommand({ ServiceIds: [sid] }));
    assert.deepEqual(ServiceConfigurations, [cfg]);

    // Nobody but the provider sees it yet.
    const hidden = await expectError(
      c.send(new DescribeVpcEndpointServicesCommand({ ServiceNames: [sname] })),
      "InvalidServiceName",
    );
    assert.ok(hidden.message.includes(sname), hidden.message);

    // --- 3. the consumer's account root becomes an allowed principal -------------------
    const perm = await p.send(
      new ModifyVpcEndpointServicePermissionsCommand({ ServiceId: sid, AddAllowedPrincipals: [root(CONSUMER)] }),
    );
    assert.equal(perm.ReturnValue, true);
    assert.equal(perm.AddedPrincipals.length, 1);
    assert.equal(perm.AddedPrincipals[0].PrincipalType, "Account");
    assert.equal(perm.AddedPrincipals[0].Principal, root(CONSUMER));
    assert.equal(perm.AddedPrincipals[0].ServiceId, sid);
    assert.match(perm.AddedPrincipals[0].ServicePermissionId, VPCE_SVC_PERM_ID);
    const { AllowedPrincipals } = await p.send(new DescribeVpcEndpointServicePermissionsCommand({ ServiceId: sid }));
    assert.deepEqual(
      AllowedPrincipals.map((a) => [a.PrincipalType, a.Principal, a.ServicePermissionId, a.ServiceId]),
      [["Account", root(CONSUMER), perm.AddedPrincipals[0].ServicePermissionId, sid]],
    );

    // --- 4. the consumer sees the service and connects: pendingAcceptance -------------
    const visible = await c.send(new DescribeVpcEndpointServicesCommand({ ServiceNames: [sname] }));
    assert.deepEqual(visible.ServiceNames, [sname]);
    assert.equal(visible.ServiceDetails.length, 1);
    const detail = visible.ServiceDetails[0];
    assert.equal(detail.ServiceId, sid);
    assert.equal(detail.Owner, PROVIDER);
    assert.equal(detail.AcceptanceRequired, true);
    assert.deepEqual(detail.ServiceType, [{ ServiceType: "Interface" }]);
    assert.deepEqual(detail.BaseEndpointDnsNames, cfg.BaseEndpointDnsNames);

    const consumerVpc = await defaultVpcId(c);
    const consumerSubnets = await defaultSubnets(c);
    const { VpcEndpoint: ep1 } = await c.send(
      new CreateVpcEndpointCommand({
        VpcId: consumerVpc,
        ServiceName: sname,
        VpcEndpointType: "Interface",
        SubnetIds: [consumerSubnets["us-east-1a"], consumerSubnets["us-east-1b"]],
      }),
    );
    const vpce1 = ep1.VpcEndpointId;
    assert.match(vpce1, VPCE_ID);
    assert.equal(ep1.State, "pendingAcceptance");
    assert.equal(ep1.ServiceName, sname);
    assert.equal(ep1.VpcId, consumerVpc);
    assert.equal(ep1.OwnerId, CONSUMER);
    assert.equal(ep1.PrivateDnsEnabled, false, "the service has no private DNS name");
    assert.equal(ep1.NetworkInterfaceIds.length, 2);
    assertDnsEntries(ep1, sid, ["us-east-1a", "us-east-1b"], null);
    for (let i = 0; i < 3; i++) {
      assert.equal((await describeEndpoint(c, vpce1)).State, "pendingAcceptance", "it waits for the provider");
    }

    // --- 5. the outsider is refused and sees nothing ------------------------------------
    const refused = await expectError(
      o.send(new DescribeVpcEndpointServicesCommand({ ServiceNames: [sname] })),
      "InvalidServiceName",
    );
    assert.ok(refused.message.includes(sname), refused.message);
    const outsiderSubnets = await defaultSubnets(o);
    await expectError(
      o.send(
        new CreateVpcEndpointCommand({
          VpcId: await defaultVpcId(o),
          ServiceName: sname,
          VpcEndpointType: "Interface",
          SubnetIds: [outsiderSubnets["us-east-1a"]],
        }),
      ),
      "InvalidServiceName",
    );
    assert.deepEqual(await endpointIds(o, {}), []);
    assert.deepEqual((await o.send(new DescribeVpcEndpointConnectionsCommand({}))).VpcEndpointConnections ?? [], []);
    // Nor does the consumer see the provider's connections.
    assert.deepEqual((await c.send(new DescribeVpcEndpointConnectionsCommand({}))).VpcEndpointConnections ?? [], []);

    // --- 6. the provider lists the pending connection (the guide's filter) --------------
    const { VpcEndpointConnections: pending } = await p.send(
      new DescribeVpcEndpointConnectionsCommand({ Filters: [filter("vpc-endpoint-state", "pendingAcceptance")] }),
    );
    assert.equal(pending.length, 1, JSON.stringify(pending));
    const conn = pending[0];
    assert.equal(conn.ServiceId, sid);
    assert.equal(conn.VpcEndpointId, vpce1);
    assert.equal(conn.VpcEndpointOwner, CONSUMER);
    assert.equal(conn.VpcEndpointState, "pendingAcceptance");
    assert.equal(conn.CreationTimestamp.getTime(), ep1.CreationTimestamp.getTime());
    assert.deepEqual(conn.DnsEntries, ep1.DnsEntries);
    assert.deepEqual(conn.NetworkLoadBalancerArns, [nlbArn]);
    assert.equal(conn.IpAddressType, "ipv4");
    assert.match(conn.VpcEndpointConnectionId, VPCE_CON_ID);
    assert.equal(conn.VpcEndpointRegion, US_EAST_1);

    // --- 7. accept; an unknown endpoint id in the same call is an Unsuccessful item ------
    const accepted = await p.send(
      new AcceptVpcEndpointConnectionsCommand({ ServiceId: sid, VpcEndpointIds: [vpce1, UNKNOWN_VPCE] }),
    );
    assert.equal(accepted.$metadata.httpStatusCode, 200);
    assert.deepEqual(
      accepted.Unsuccessful.map((u) => [u.ResourceId, u.Error.Code]),
      [[UNKNOWN_VPCE, "InvalidVpcEndpoint.NotFound"]],
    );
    assert.equal((await describeEndpoint(c, vpce1)).State, "available");
    const { VpcEndpointConnections: afterAccept } = await p.send(new DescribeVpcEndpointConnectionsCommand({}));
    assert.deepEqual(
      afterAccept.map((x) => [x.VpcEndpointId, x.VpcEndpointState, x.VpcEndpointConnectionId]),
      [[vpce1, "available", conn.VpcEndpointConnectionId]],
    );
    // Accepting again: it is not pendingAcceptance any more.
    const again = await p.send(new AcceptVpcEndpointConnectionsCommand({ ServiceId: sid, VpcEndpointIds: [vpce1] }));
    assert.deepEqual(again.Unsuccessful.map((u) => [u.ResourceId, u.Error.Code]), [[vpce1, "InvalidVpcEndpointState"]]);

    // --- 8. a second consumer endpoint (another VPC), rejected ---------------------------
    const vpc2 = await newVpc(c, "10.20.0.0/16");
    const sub2 = await newSubnet(c, vpc2, "10.20.1.0/24", "us-east-1c");
    const { VpcEndpoint: ep2 } = await c.send(
      new CreateVpcEndpointCommand({ VpcId: vpc2, ServiceName: sname, VpcEndpointType: "Interface", SubnetIds: [sub2] }),
    );
    const vpce2 = ep2.VpcEndpointId;
    assert.equal(ep2.State, "pendingAcceptance");
    assertDnsEntries(ep2, sid, ["us-east-1c"], null);
    const rejected = await p.send(new RejectVpcEndpointConnectionsCommand({ ServiceId: sid, VpcEndpointIds: [vpce2] }));
    assert.deepEqual(rejected.Unsuccessful, []);
    const ep2After = await describeEndpoint(c, vpce2);
    assert.equal(ep2After.State, "rejected");
    assert.deepEqual(ep2After.DnsEntries, []);
    assert.deepEqual(ep2After.NetworkInterfaceIds, []);
    const { VpcEndpointConnections: both } = await p.send(new DescribeVpcEndpointConnectionsCommand({}));
    assert.deepEqual(
      Object.fromEntries(both.map((x) => [x.VpcEndpointId, [x.VpcEndpointState, x.VpcEndpointOwner]])),
      { [vpce1]: ["available", CONSUMER], [vpce2]: ["rejected", CONSUMER] },
    );
    const { VpcEndpointConnections: nonePending } = await p.send(
      new DescribeVpcEndpointConnectionsCommand({ Filters: [filter("vpc-endpoint-state", "pendingAcceptance")] }),
    );
    assert.deepEqual(nonePending ?? [], []);

    // --- 9. the service cannot go while a connection is active; nor can its NLB ----------
    const blocked = await p.send(new DeleteVpcEndpointServiceConfigurationsCommand({ ServiceIds: [sid] }));
    assert.equal(blocked.$metadata.httpStatusCode, 200);
    assert.deepEqual(blocked.Unsuccessful, [
      { ResourceId: sid, Error: { Code: "ExistingVpcEndpointConnections", Message: ACTIVE_CONNECTIONS_MESSAGE } },
    ]);
    const stillThere = await p.send(new DescribeVpcEndpointServiceConfigurationsCommand({ ServiceIds: [sid] }));
    assert.deepEqual(stillThere.ServiceConfigurations.map((s) => s.ServiceId), [sid]);
    await expectError(elb.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: nlbArn })), "ResourceInUseException");

    // --- 10. consumer deletes its endpoints; then the service and the NLB go --------------
    const deleted = await c.send(new DeleteVpcEndpointsCommand({ VpcEndpointIds: [vpce1, vpce2] }));
    assert.deepEqual(deleted.Unsuccessful, []);
    const gone = await p.send(new DeleteVpcEndpointServiceConfigurationsCommand({ ServiceIds: [sid] }));
    assert.deepEqual(gone.Unsuccessful, []);
    await expectError(
      p.send(new DescribeVpcEndpointServiceConfigurationsCommand({ ServiceIds: [sid] })),
      "InvalidVpcEndpointServiceId.NotFound",
    );
    await expectError(c.send(new DescribeVpcEndpointServicesCommand({ ServiceNames: [sname] })), "InvalidServiceName");
    await elb.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: nlbArn }));
    await expectError(
      elb.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [nlbArn] })),
      "LoadBalancerNotFoundException",
    );
    const { NetworkInterfaces: leftover } = await p.send(
      new DescribeNetworkInterfacesCommand({ Filters: [filter("interface-type", "network_load_balancer")] }),
    );
    assert.deepEqual(leftover ?? [], []);
  });
});

// ---------------------------------------------------------------------------
// 3. ECS tasks and services
// ---------------------------------------------------------------------------
describe("ECS tasks and services on Fargate", { timeout: TEST_TIMEOUT_MS * 10 }, () => {
  test("RunTask on the world clock: PROVISIONING → PENDING → ACTIVATING → RUNNING, its ENI, StopTask → STOPPED", { timeout: TEST_TIMEOUT_MS }, async () => {
    const w = await ecsWorld(manual);
    const advance = (s) => advanceClock(manual.endpoint, s);

    // The task definition.
    assert.equal(w.td.taskDefinitionArn, ecsArn(w.account, "task-definition/web:1"));
    assert.equal(w.td.family, "web");
    assert.equal(w.td.revision, 1);
    assert.equal(w.td.status, "ACTIVE");
    assert.equal(w.td.networkMode, "awsvpc");
    assert.deepEqual(w.td.requiresCompatibilities, ["FARGATE"]);
    assert.equal(w.td.cpu, "256");
    assert.equal(w.td.memory, "512");

    // RunTask answers PROVISIONING with a pre-created ENI attachment.
    const started = await runTask(w, [w.s1]);
    const taskArn = started.taskArn;
    const m = new RegExp(`^arn:aws:ecs:us-east-1:${w.account}:task/app/(.+)$`).exec(taskArn);
    assert.ok(m && ECS_TASK_ID.test(m[1]), taskArn);
    assert.equal(started.lastStatus, "PROVISIONING");
    assert.equal(started.desiredStatus, "RUNNING");
    assert.equal(started.launchType, "FARGATE");
    assert.equal(started.clusterArn, ecsArn(w.account, "cluster/app"));
    assert.equal(started.taskDefinitionArn, w.td.taskDefinitionArn);
    assert.equal(started.cpu, "256");
    assert.equal(started.memory, "512");
    assert.equal(started.group, "family:web");
    assert.equal(eniAttachment(started).status, "PRECREATED");
    assertRecent(started.createdAt, "createdAt");

    // Time stands still until the clock is advanced.
    let t = await describeTask(w, taskArn);
    assert.equal(t.lastStatus, "PROVISIONING");
    for (const absent of ["pullStartedAt", "pullStoppedAt", "startedAt", "connectivityAt"]) {
      assert.equal(t[absent], undefined, absent);
    }
    await sleep(200);
    assert.equal((await describeTask(w, taskArn)).lastStatus, "PROVISIONING");

    await advance(1);
    t = await describeTask(w, taskArn);
    assert.equal(t.lastStatus, "PENDING");
    const { clusters: [pendingCluster] } = await w.e.send(new DescribeClustersCommand({ clusters: ["app"] }));
    assert.deepEqual([pendingCluster.runningTasksCount, pendingCluster.pendingTasksCount], [0, 1]);

    await advance(1);
    t = await describeTask(w, taskArn);
    assert.equal(t.lastStatus, "ACTIVATING");
    assert.ok(t.pullStartedAt instanceof Date && t.pullStartedAt >= started.createdAt, "pullStartedAt");
    assert.equal(t.startedAt, undefined);

    await advance(1);
    t = await describeTask(w, taskArn);
    assert.equal(t.lastStatus, "RUNNING");
    assert.equal(t.desiredStatus, "RUNNING");
    assert.equal(t.connectivity, "CONNECTED");
    assert.ok(t.startedAt instanceof Date, "startedAt");
    assert.equal(t.startedAt.getTime() - t.createdAt.getTime(), 3000, "RUNNING 3 s of world time after creation");
    assert.equal(t.createdAt.getTime(), started.createdAt.getTime());
    assert.ok(t.version > started.version, `version ${started.version} -> ${t.version}`);
    assert.equal(t.platformVersion, "1.4.0");
    assert.equal(t.availabilityZone, "us-east-1a");
    for (const absent of ["stopCode", "stoppedReason", "stoppedAt", "stoppingAt"]) assert.equal(t[absent], undefined, absent);

    // The ENI attachment and the container's network interface.
    const att = eniAttachment(t);
    assert.equal(att.status, "ATTACHED");
    assert.match(att.id, UUID_RE);
    const d = details(att);
    assert.equal(d.subnetId, w.s1);
    assert.match(d.networkInterfaceId, ENI_ID);
    assert.match(d.macAddress, MAC_RE);
    assertUsableIpInSubnet(d.privateIPv4Address, w.cidr[w.s1]);
    assert.equal(d.privateDnsName, `ip-${d.privateIPv4Address.replaceAll(".", "-")}.ec2.internal`);
    assert.equal(t.containers.length, 1);
    const ct = t.containers[0];
    assert.equal(ct.name, "web");
    assert.equal(ct.image, "nginx:latest");
    assert.equal(ct.lastStatus, "RUNNING");
    assert.equal(ct.taskArn, taskArn);
    assert.deepEqual(ct.networkInterfaces, [{ attachmentId: att.id, privateIpv4Address: d.privateIPv4Address }]);

    // The same ENI is a real EC2 network interface.
    const { NetworkInterfaces: [eni] } = await w.c.send(
      new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [d.networkInterfaceId] }),
    );
    assert.equal(eni.InterfaceType, "interface");
    assert.equal(eni.RequesterManaged, true);
    assert.equal(eni.Status, "in-use");
    assert.equal(eni.SubnetId, w.s1);
    assert.equal(eni.VpcId, w.vpc);
    assert.equal(eni.PrivateIpAddress, d.privateIPv4Address);
    assert.equal(eni.MacAddress, d.macAddress);
    assert.deepEqual(eni.Groups.map((g) => g.GroupId), [w.sg]);
    assert.equal(await availableIps(w.c, w.s1), 250);
    const { clusters: [runningCluster] } = await w.e.send(new DescribeClustersCommand({ clusters: ["app"] }));
    assert.deepEqual([runningCluster.runningTasksCount, runningCluster.pendingTasksCount], [1, 0]);

    // DescribeTasks with an unknown task: a MISSING failure, not an error.
    const unknownArn = ecsArn(w.account, `task/app/${UNKNOWN_TASK_ID}`);
    const mixed = await w.e.send(new DescribeTasksCommand({ cluster: "app", tasks: [taskArn, UNKNOWN_TASK_ID] }));
    assert.deepEqual(mixed.failures, [{ arn: unknownArn, reason: "MISSING" }]);
    assert.deepEqual(mixed.tasks.map((x) => x.taskArn), [taskArn]);

    // StopTask: DEACTIVATING at once, STOPPED three seconds later, the ENI released.
    const { task: stopping } = await w.e.send(new StopTaskCommand({ cluster: "app", task: taskArn, reason: "deploying v2" }));
    assert.equal(stopping.taskArn, taskArn);
    assert.equal(stopping.lastStatus, "DEACTIVATING");
    assert.equal(stopping.desiredStatus, "STOPPED");
    assert.equal(stopping.stopCode, "UserInitiated");
    assert.equal(stopping.stoppedReason, "deploying v2");
    assert.ok(stopping.stoppingAt instanceof Date, "stoppingAt");
    assert.deepEqual((await w.e.send(new ListTasksCommand({ cluster: "app" }))).taskArns, []);
    assert.deepEqual((await w.e.send(new ListTasksCommand({ cluster: "app", desiredStatus: "STOPPED" }))).taskArns, [taskArn]);

    const seen = [];
    for (let i = 0; i < 3; i++) {
      await advance(1);
      seen.push((await describeTask(w, taskArn)).lastStatus);
    }
    assert.deepEqual(seen, ["STOPPING", "DEPROVISIONING", "STOPPED"]);
    t = await describeTask(w, taskArn);
    assert.equal(t.desiredStatus, "STOPPED");
    assert.equal(t.stopCode, "UserInitiated");
    assert.equal(t.stoppedReason, "deploying v2");
    assert.equal(t.stoppedAt.getTime() - t.stoppingAt.getTime(), 3000);
    assert.equal(t.containers[0].lastStatus, "STOPPED");
    assert.equal(t.containers[0].exitCode, 0);
    assert.equal(eniAttachment(t).status, "DELETED");
    assert.deepEqual(await taskSubnetEnis(w), []);
    await expectError(
      w.c.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [d.networkInterfaceId] })),
      "InvalidNetworkInterfaceID.NotFound",
    );
    assert.equal(await availableIps(w.c, w.s1), 251);
  });

  test("waitUntilTasksRunning polls until the world clock runs the task, and times out while it stands still", { timeout: TEST_TIMEOUT_MS }, async () => {
    const w = await ecsWorld(manual);
    // A client that records what every DescribeTasks the waiter sends sees.
    const polled = [];
    const waiterClient = ecs(w.account, manual);
    waiterClient.middlewareStack.add(
      (next, context) => async (args) => {
        const result = await next(args);
        if (context.commandName === "DescribeTasksCommand") {
          polled.push((result.output.tasks ?? []).map((x) => x.lastStatus).join(","));
        }
        return result;
      },
      { step: "initialize", name: "recordDescribeTasks" },
    );

    const first = await runTask(w);
    const waiting = waitUntilTasksRunning(
      { client: waiterClient, minDelay: 0.2, maxDelay: 0.2, maxWaitTime: 10 },
      { cluster: "app", tasks: [first.taskArn] },
    );
    // Let it poll at least once while the task is still provisioning, then move the clock.
    for (let i = 0; i < 100 && polled.length === 0; i++) await sleep(20);
    assert.deepEqual(polled.slice(0, 1), ["PROVISIONING"]);
    await advanceClock(manual.endpoint, 3);
    const result = await waiting;
    assert.equal(result.state, "SUCCESS");
    assert.ok(polled.length >= 2, `polled ${polled.length} times`);
    assert.equal(polled.at(-1), "RUNNING");
    assert.ok(polled.slice(0, -1).every((s) => s !== "RUNNING"), polled.join(" "));
    assert.equal((await describeTask(w, first.taskArn)).lastStatus, "RUNNING");

    // A second task, and no clock: the waiter gives up with a TimeoutError.
    const second = await runTask(w);
    await assert.rejects(
      waitUntilTasksRunning(
        { client: waiterClient, minDelay: 0.2, maxDelay: 0.2, maxWaitTime: 1 },
        { cluster: "app", tasks: [second.taskArn] },
      ),
      (err) => {
        assert.equal(err.name, "TimeoutError", err.message);
        return true;
      },
    );
    assert.equal((await describeTask(w, second.taskArn)).lastStatus, "PROVISIONING");
  });

  test("a service with desiredCount 2 reaches runningCount 2; waitUntilServicesStable and waitUntilTasksRunning", { timeout: TEST_TIMEOUT_MS }, async () => {
    const w = await ecsWorld(server);
    const { service: created } = await w.e.send(
      new CreateServiceCommand({
        cluster: "app",
        serviceName: "web",
        taskDefinition: "web",
        desiredCount: 2,
        launchType: "FARGATE",
        networkConfiguration: awsvpc([w.s1, w.s2], [w.sg]),
      }),
    );
    assert.equal(created.serviceArn, ecsArn(w.account, "service/app/web"));
    assert.equal(created.serviceName, "web");
    assert.equal(created.clusterArn, ecsArn(w.account, "cluster/app"));
    assert.equal(created.status, "ACTIVE");
    assert.equal(created.desiredCount, 2);
    assert.equal(created.runningCount, 0);
    assert.equal(created.launchType, "FARGATE");
    assert.equal(created.taskDefinition, w.td.taskDefinitionArn);
    assert.equal(created.schedulingStrategy, "REPLICA");
    assert.deepEqual(created.networkConfiguration.awsvpcConfiguration.subnets, [w.s1, w.s2]);
    assert.deepEqual(created.networkConfiguration.awsvpcConfiguration.securityGroups, [w.sg]);
    assert.equal(created.deployments.length, 1);
    const dep = created.deployments[0];
    assert.match(dep.id, /^ecs-svc\/[0-9]{19}$/);
    assert.equal(dep.status, "PRIMARY");
    assert.equal(dep.rolloutState, "IN_PROGRESS");
    assert.equal(dep.desiredCount, 2);

    const stable = await waitUntilServicesStable(
      { client: w.e, minDelay: 0.1, maxDelay: 0.2, maxWaitTime: 5 },
      { cluster: "app", services: ["web"] },
    );
    assert.equal(stable.state, "SUCCESS");
    const { services: [s], failures } = await w.e.send(new DescribeServicesCommand({ cluster: "app", services: ["web"] }));
    assert.deepEqual(failures, []);
    assert.deepEqual([s.runningCount, s.pendingCount, s.desiredCount], [2, 0, 2]);
    assert.equal(s.deployments.length, 1);
    assert.equal(s.deployments[0].id, dep.id);
    assert.equal(s.deployments[0].rolloutState, "COMPLETED");
    assert.equal(s.deployments[0].rolloutStateReason, `ECS deployment ${dep.id} completed.`);
    assert.deepEqual([s.deployments[0].runningCount, s.deployments[0].pendingCount], [2, 0]);
    assert.equal(s.events[0].message, "(service web) has reached a steady state.");

    // Its two tasks, one per subnet, started by the deployment.
    const { taskArns } = await w.e.send(new ListTasksCommand({ cluster: "app", serviceName: "web" }));
    assert.equal(taskArns.length, 2);
    // The SDK's paginator walks them one page (maxResults 1) at a time.
    const pages = [];
    for await (const page of paginateListTasks({ client: w.e, pageSize: 1 }, { cluster: "app", serviceName: "web" })) {
      pages.push(page.taskArns);
    }
    assert.equal(pages.length, 2, JSON.stringify(pages));
    assert.deepEqual(pages.flat().sort(), [...taskArns].sort());
    const running = await waitUntilTasksRunning(
      { client: w.e, minDelay: 0.1, maxDelay: 0.2, maxWaitTime: 5 },
      { cluster: "app", tasks: taskArns },
    );
    assert.equal(running.state, "SUCCESS");
    const { tasks } = await w.e.send(new DescribeTasksCommand({ cluster: "app", tasks: taskArns }));
    assert.deepEqual(tasks.map((x) => x.lastStatus), ["RUNNING", "RUNNING"]);
    for (const x of tasks) {
      assert.equal(x.group, "service:web");
      assert.equal(x.startedBy, dep.id);
      assert.equal(x.taskDefinitionArn, w.td.taskDefinitionArn);
    }
    assert.deepEqual(tasks.map((x) => details(eniAttachment(x)).subnetId).sort(), [w.s1, w.s2].sort());
    const { clusters: [cl] } = await w.e.send(new DescribeClustersCommand({ clusters: ["app"] }));
    assert.deepEqual([cl.runningTasksCount, cl.pendingTasksCount, cl.activeServicesCount], [2, 0, 1]);

    // The waiter fails at once on a task ECS does not know (failures[].reason MISSING).
    await assert.rejects(
      waitUntilTasksRunning(
        { client: w.e, minDelay: 0.1, maxDelay: 0.2, maxWaitTime: 5 },
        { cluster: "app", tasks: [UNKNOWN_TASK_ID] },
      ),
      (err) => {
        assert.notEqual(err.name, "TimeoutError", err.message);
        assert.equal(JSON.parse(err.message).state, "FAILURE", err.message);
        return true;
      },
    );
  });
});
