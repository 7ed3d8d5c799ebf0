// Foundation integration tests for awsemu, driven by the AWS SDK for JavaScript v3.
//
// One awsemu server is started for this file (`awsemu serve --host 127.0.0.1
// --port 0`); its first stdout line announces the URL. Every test picks its own
// random 12-digit account id (the access key id selects the account), so the
// tests do not depend on each other or on their order.
//
// Environment:
//   AWSEMU_BIN  path of the awsemu binary (default: <repo>/target/debug/awsemu).
//               The tests never build it.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
// helpers.js makes the SDK configuration hermetic when it is loaded (scrubs AWS_*,
// empty shared config and credentials files, no IMDS), before the SDK is imported below.
import {
  ClientPool,
  ID17,
  TEST_TIMEOUT_MS,
  US_EAST_1,
  expectError,
  health,
  newAccount,
  resetWorld,
  startServer,
  stopServer,
  tagValue,
} from "../lib/helpers.js";

// The SDK reads those variables when it is loaded, so import it afterwards.
const {
  EC2Client,
  AuthorizeSecurityGroupIngressCommand,
  CreateRouteTableCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DeleteRouteTableCommand,
  DeleteSecurityGroupCommand,
  DeleteSubnetCommand,
  DeleteVpcCommand,
  DescribeAvailabilityZonesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
} = await import("@aws-sdk/client-ec2");
const {
  ECSClient,
  CreateClusterCommand,
  ListClustersCommand,
} = await import("@aws-sdk/client-ecs");

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------
let server;
const clients = new ClientPool();

function ec2(account, region = US_EAST_1) {
  return clients.make(EC2Client, server.endpoint, account, region);
}

function ecs(account, region = US_EAST_1) {
  return clients.make(ECSClient, server.endpoint, account, region);
}

async function createVpc(client, cidr, name) {
  const input = { CidrBlock: cidr };
  if (name !== undefined) {
    input.TagSpecifications = [{ ResourceType: "vpc", Tags: [{ Key: "Name", Value: name }] }];
  }
  const { Vpc } = await client.send(new CreateVpcCommand(input));
  assert.ok(Vpc, "CreateVpc returned a Vpc");
  return Vpc;
}

// ---------------------------------------------------------------------------
// Lifecycle
// ---------------------------------------------------------------------------
before(async () => {
  server = await startServer();
  await health(server.endpoint);
  await resetWorld(server.endpoint);
});

after(async () => {
  clients.destroyAll();
  await stopServer(server?.child);
});

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------
describe("awsemu foundation (AWS SDK for JavaScript v3)", { timeout: TEST_TIMEOUT_MS * 10 }, () => {
  test("CreateVpc with tags, then DescribeVpcs by tag filter", { timeout: TEST_TIMEOUT_MS }, async () => {
    const account = newAccount();
    const client = ec2(account);

    const vpc = await createVpc(client, "10.0.0.0/16", "app");
    assert.match(vpc.VpcId, new RegExp(`^vpc-${ID17}$`));
    assert.equal(vpc.CidrBlock, "10.0.0.0/16");
    assert.equal(vpc.IsDefault, false);
    assert.equal(vpc.OwnerId, account);
    assert.equal(vpc.InstanceTenancy, "default");
    assert.equal(tagValue(vpc.Tags, "Name"), "app");
    assert.equal(vpc.CidrBlockAssociationSet?.length, 1);
    assert.equal(vpc.CidrBlockAssociationSet[0].CidrBlock, "10.0.0.0/16");
    assert.match(vpc.CidrBlockAssociationSet[0].AssociationId, new RegExp(`^vpc-cidr-assoc-${ID17}$`));
    assert.equal(vpc.CidrBlockAssociationSet[0].CidrBlockState?.State, "associated");
    assert.match(vpc.DhcpOptionsId ?? "", /^dopt-[0-9a-f]+$/);

    const { Vpcs } = await client.send(
      new DescribeVpcsCommand({ Filters: [{ Name: "tag:Name", Values: ["app"] }] }),
    );
    assert.equal(Vpcs.length, 1, "exactly one VPC tagged Name=app");
    const found = Vpcs[0];
    assert.equal(found.VpcId, vpc.VpcId);
    assert.equal(found.CidrBlock, "10.0.0.0/16");
    assert.equal(found.IsDefault, false);
    assert.equal(found.OwnerId, account);
    assert.equal(found.State, "available");
    assert.deepEqual(found.Tags, [{ Key: "Name", Value: "app" }]);

    // A filter value that matches nothing returns an empty list, not an error.
    const none = await client.send(
      new DescribeVpcsCommand({ Filters: [{ Name: "tag:Name", Values: ["no-such-name"] }] }),
    );
    assert.deepEqual(none.Vpcs ?? [], []);

    // Unfiltered: the account's default VPC plus the new one.
    const all = await client.send(new DescribeVpcsCommand({}));
    assert.deepEqual(
      all.Vpcs.map((v) => v.VpcId).sort(),
      [vpc.VpcId, all.Vpcs.find((v) => v.IsDefault)?.VpcId].sort(),
    );
  });

  test("subnets in two AZs; overlapping and out-of-range CIDRs are rejected", { timeout: TEST_TIMEOUT_MS }, async () => {
    const account = newAccount();
    const client = ec2(account);
    const vpc = await createVpc(client, "10.0.0.0/16");

    const subnets = [];
    for (const [cidr, az] of [
      ["10.0.1.0/24", "us-east-1a"],
      ["10.0.2.0/24", "us-east-1b"],
    ]) {
      const { Subnet } = await client.send(
        new CreateSubnetCommand({ VpcId: vpc.VpcId, CidrBlock: cidr, AvailabilityZone: az }),
      );
      assert.match(Subnet.SubnetId, new RegExp(`^subnet-${ID17}$`));
      assert.equal(Subnet.VpcId, vpc.VpcId);
      assert.equal(Subnet.CidrBlock, cidr);
      assert.equal(Subnet.AvailabilityZone, az);
      assert.equal(Subnet.AvailableIpAddressCount, 251);
      assert.equal(Subnet.DefaultForAz, false);
      assert.equal(Subnet.MapPublicIpOnLaunch, false);
      assert.equal(Subnet.OwnerId, account);
      assert.equal(Subnet.SubnetArn, `arn:aws:ec2:${US_EAST_1}:${account}:subnet/${Subnet.SubnetId}`);
      subnets.push(Subnet);
    }
    assert.notEqual(subnets[0].SubnetId, subnets[1].SubnetId);

    const { Subnets } = await client.send(
      new DescribeSubnetsCommand({ Filters: [{ Name: "vpc-id", Values: [vpc.VpcId] }] }),
    );
    assert.deepEqual(
      Subnets.map((s) => [s.SubnetId, s.CidrBlock, s.AvailabilityZone, s.AvailableIpAddressCount]).sort(),
      subnets.map((s) => [s.SubnetId, s.CidrBlock, s.AvailabilityZone, 251]).sort(),
    );

    // Overlaps 10.0.1.0/24.
    await expectError(
      client.send(
        new CreateSubnetCommand({ VpcId: vpc.VpcId, CidrBlock: "10.0.1.128/25", AvailabilityZone: "us-east-1c" }),
      ),
      "InvalidSubnet.Conflict",
    );
    // Outside 10.0.0.0/16.
    await expectError(
      client.send(
        new CreateSubnetCommand({ VpcId: vpc.VpcId, CidrBlock: "10.1.0.0/24", AvailabilityZone: "us-east-1c" }),
      ),
      "InvalidSubnet.Range",
    );

    // Neither rejected request left a subnet behind.
    const remaining = await client.send(
      new DescribeSubnetsCommand({ Filters: [{ Name: "vpc-id", Values: [vpc.VpcId] }] }),
    );
    assert.equal(remaining.Subnets.length, 2);
  });

  test("security group ingress rule and default egress rule", { timeout: TEST_TIMEOUT_MS }, async () => {
    const account = newAccount();
    const client = ec2(account);
    const vpc = await createVpc(client, "10.0.0.0/16");

    const created = await client.send(
      new CreateSecurityGroupCommand({ GroupName: "web", Description: "web tier", VpcId: vpc.VpcId }),
    );
    const groupId = created.GroupId;
    assert.match(groupId, new RegExp(`^sg-${ID17}$`));

    const auth = await client.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: groupId,
        IpPermissions: [
          { IpProtocol: "tcp", FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: "10.0.0.0/16" }] },
        ],
      }),
    );
    assert.equal(auth.Return, true);

    const { SecurityGroups } = await client.send(new DescribeSecurityGroupsCommand({ GroupIds: [groupId] }));
    assert.equal(SecurityGroups.length, 1);
    const sg = SecurityGroups[0];
    assert.equal(sg.GroupId, groupId);
    assert.equal(sg.GroupName, "web");
    assert.equal(sg.Description, "web tier");
    assert.equal(sg.VpcId, vpc.VpcId);
    assert.equal(sg.OwnerId, account);

    assert.equal(sg.IpPermissions.length, 1, "one ingress permission");
    const ingress = sg.IpPermissions[0];
    assert.equal(ingress.IpProtocol, "tcp");
    assert.equal(ingress.FromPort, 443);
    assert.equal(ingress.ToPort, 443);
    assert.equal(ingress.IpRanges.length, 1);
    assert.equal(ingress.IpRanges[0].CidrIp, "10.0.0.0/16");

    assert.equal(sg.IpPermissionsEgress.length, 1, "one (default) egress permission");
    const egress = sg.IpPermissionsEgress[0];
    assert.equal(egress.IpProtocol, "-1");
    assert.equal(egress.FromPort, undefined, "no ports for protocol -1");
    assert.equal(egress.ToPort, undefined, "no ports for protocol -1");
    assert.equal(egress.IpRanges.length, 1);
    assert.equal(egress.IpRanges[0].CidrIp, "0.0.0.0/0");

    // The VPC also got its own "default" group, next to "web".
    const inVpc = await client.send(
      new DescribeSecurityGroupsCommand({ Filters: [{ Name: "vpc-id", Values: [vpc.VpcId] }] }),
    );
    assert.deepEqual(inVpc.SecurityGroups.map((g) => g.GroupName).sort(), ["default", "web"]);
  });

  test("DeleteVpc refuses while dependencies exist, then succeeds in order", { timeout: TEST_TIMEOUT_MS }, async () => {
    const account = newAccount();
    const client = ec2(account);
    const vpc = await createVpc(client, "10.0.0.0/16");
    const vpcId = vpc.VpcId;

    const { Subnet } = await client.send(
      new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: "10.0.1.0/24", AvailabilityZone: "us-east-1a" }),
    );
    const { GroupId } = await client.send(
      new CreateSecurityGroupCommand({ GroupName: "app", Description: "app", VpcId: vpcId }),
    );
    const { RouteTable } = await client.send(new CreateRouteTableCommand({ VpcId: vpcId }));
    assert.match(RouteTable.RouteTableId, new RegExp(`^rtb-${ID17}$`));

    await expectError(client.send(new DeleteVpcCommand({ VpcId: vpcId })), "DependencyViolation");

    await client.send(new DeleteSubnetCommand({ SubnetId: Subnet.SubnetId }));
    // A non-default security group and a non-main route table still block it.
    await expectError(client.send(new DeleteVpcCommand({ VpcId: vpcId })), "DependencyViolation");

    await client.send(new DeleteSecurityGroupCommand({ GroupId }));
    // The non-main route table still blocks it.
    await expectError(client.send(new DeleteVpcCommand({ VpcId: vpcId })), "DependencyViolation");

    await client.send(new DeleteRouteTableCommand({ RouteTableId: RouteTable.RouteTableId }));
    const deleted = await client.send(new DeleteVpcCommand({ VpcId: vpcId }));
    assert.equal(deleted.$metadata.httpStatusCode, 200);

    await assert.rejects(client.send(new DescribeVpcsCommand({ VpcIds: [vpcId] })), (err) => {
      assert.equal(err.name, "InvalidVpcID.NotFound");
      assert.equal(err.$metadata?.httpStatusCode, 400);
      assert.ok(err.message.includes(vpcId), `message names the VPC: ${err.message}`);
      return true;
    });
    // Deleting it again fails the same way.
    await expectError(client.send(new DeleteVpcCommand({ VpcId: vpcId })), "InvalidVpcID.NotFound");
  });

  test("default VPC and the six us-east-1 availability zones", { timeout: TEST_TIMEOUT_MS }, async () => {
    const account = newAccount();
    const client = ec2(account);

    const { Vpcs } = await client.send(
      new DescribeVpcsCommand({ Filters: [{ Name: "is-default", Values: ["true"] }] }),
    );
    assert.equal(Vpcs.length, 1, "exactly one default VPC");
    const def = Vpcs[0];
    assert.match(def.VpcId, new RegExp(`^vpc-${ID17}$`));
    assert.equal(def.IsDefault, true);
    assert.equal(def.CidrBlock, "172.31.0.0/16");
    assert.equal(def.OwnerId, account);
    assert.equal(def.State, "available");

    const { AvailabilityZones } = await client.send(new DescribeAvailabilityZonesCommand({}));
    assert.deepEqual(
      AvailabilityZones.map((z) => z.ZoneName).sort(),
      ["us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d", "us-east-1e", "us-east-1f"],
    );
    for (const z of AvailabilityZones) {
      assert.equal(z.State, "available", `${z.ZoneName} state`);
      assert.equal(z.RegionName, US_EAST_1, `${z.ZoneName} region`);
      assert.equal(z.ZoneType, "availability-zone", `${z.ZoneName} type`);
      assert.match(z.ZoneId ?? "", /^use1-az\d+$/, `${z.ZoneName} zone id`);
    }
    assert.equal(new Set(AvailabilityZones.map((z) => z.ZoneId)).size, 6, "zone ids are distinct");
  });

  test("accounts and regions are isolated", { timeout: TEST_TIMEOUT_MS }, async () => {
    const accountA = newAccount();
    const accountB = newAccount();
    assert.notEqual(accountA, accountB);
    const aEast = ec2(accountA, US_EAST_1);
    const aWest = ec2(accountA, "eu-west-1");
    const bEast = ec2(accountB, US_EAST_1);

    const vpc = await createVpc(aEast, "10.20.0.0/16", "isolated");

    // Positive control: account A in us-east-1 sees it.
    const own = await aEast.send(new DescribeVpcsCommand({ VpcIds: [vpc.VpcId] }));
    assert.deepEqual(own.Vpcs.map((v) => v.VpcId), [vpc.VpcId]);

    // Account B, same region: neither by id nor by tag nor in the full list.
    await expectError(bEast.send(new DescribeVpcsCommand({ VpcIds: [vpc.VpcId] })), "InvalidVpcID.NotFound");
    const bTagged = await bEast.send(
      new DescribeVpcsCommand({ Filters: [{ Name: "tag:Name", Values: ["isolated"] }] }),
    );
    assert.deepEqual(bTagged.Vpcs ?? [], []);
    const bAll = await bEast.send(new DescribeVpcsCommand({}));
    assert.equal(bAll.Vpcs.length, 1, "account B has only its default VPC");
    assert.equal(bAll.Vpcs[0].IsDefault, true);
    assert.equal(bAll.Vpcs[0].OwnerId, accountB);

    // Account A, another region: not there either; that region has its own default VPC.
    await expectError(aWest.send(new DescribeVpcsCommand({ VpcIds: [vpc.VpcId] })), "InvalidVpcID.NotFound");
    const wAll = await aWest.send(new DescribeVpcsCommand({}));
    assert.equal(wAll.Vpcs.length, 1, "account A in eu-west-1 has only its default VPC");
    assert.equal(wAll.Vpcs[0].IsDefault, true);
    assert.equal(wAll.Vpcs[0].CidrBlock, "172.31.0.0/16");
    assert.equal(wAll.Vpcs[0].OwnerId, accountA);

    // Each account × region has its own default VPC.
    const aDefault = (await aEast.send(new DescribeVpcsCommand({}))).Vpcs.find((v) => v.IsDefault);
    assert.ok(aDefault, "account A has a default VPC in us-east-1");
    assert.equal(new Set([aDefault.VpcId, bAll.Vpcs[0].VpcId, wAll.Vpcs[0].VpcId]).size, 3);
  });

  test("DryRun CreateVpc answers DryRunOperation with HTTP 412 and creates nothing", { timeout: TEST_TIMEOUT_MS }, async () => {
    const account = newAccount();
    const client = ec2(account);

    await expectError(
      client.send(new CreateVpcCommand({ CidrBlock: "10.30.0.0/16", DryRun: true })),
      "DryRunOperation",
      412,
    );

    const { Vpcs } = await client.send(new DescribeVpcsCommand({}));
    assert.deepEqual(
      Vpcs.map((v) => [v.CidrBlock, v.IsDefault]),
      [["172.31.0.0/16", true]],
    );
  });

  test("ECS over JSON 1.1: a cluster round trip, and an operation ECS lacks is unknown (400)", { timeout: TEST_TIMEOUT_MS }, async () => {
    const account = newAccount();
    const client = ecs(account);
    const { cluster } = await client.send(new CreateClusterCommand({ clusterName: "js" }));
    assert.equal(cluster.clusterArn, `arn:aws:ecs:us-east-1:${account}:cluster/js`);
    assert.equal(cluster.status, "ACTIVE");
    const { clusterArns } = await client.send(new ListClustersCommand({}));
    assert.deepEqual(clusterArns, [cluster.clusterArn]);
    // Every operation of the ECS model is served: ask for one it does not have.
    const res = await fetch(server.endpoint, {
      method: "POST",
      headers: {
        "Content-Type": "application/x-amz-json-1.1",
        "X-Amz-Target": "AmazonEC2ContainerServiceV20141113.NoSuchOperation",
      },
      body: "{}",
    });
    assert.equal(res.status, 400);
    const body = await res.json();
    assert.match(body.__type, /UnknownOperationException/);
  });
});
