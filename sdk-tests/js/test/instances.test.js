// Instances through the AWS SDK for JavaScript v3 (issue 12, item 9):
// DescribeImages finds the ECS-optimized AMI, RunInstances launches a
// container instance with user data in a private subnet, the SDK's own
// waiters see it running and terminated, and the user data comes back as sent.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
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

const {
  EC2Client,
  CreateSubnetCommand,
  CreateVpcCommand,
  DescribeImagesCommand,
  DescribeInstanceAttributeCommand,
  DescribeInstancesCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
  waitUntilInstanceRunning,
  waitUntilInstanceTerminated,
} = await import("@aws-sdk/client-ec2");

let server;
const clients = new ClientPool();

before(async () => {
  server = await startServer();
  await health(server.endpoint);
  await resetWorld(server.endpoint);
});

after(async () => {
  clients.destroyAll();
  await stopServer(server?.child);
});

const USER_DATA = "#!/bin/bash\necho ECS_CLUSTER=js >> /etc/ecs/ecs.config\n";

describe("awsemu instances (AWS SDK for JavaScript v3)", { timeout: TEST_TIMEOUT_MS * 4 }, () => {
  test("RunInstances, the waiters, user data", { timeout: TEST_TIMEOUT_MS * 2 }, async () => {
    const account = newAccount();
    const ec2 = clients.make(EC2Client, server.endpoint, account, US_EAST_1);
    const { Images } = await ec2.send(new DescribeImagesCommand({
      Owners: ["amazon"],
      Filters: [{ Name: "name", Values: ["al2023-ami-ecs-hvm-*-x86_64"] }],
    }));
    assert.equal(Images.length, 1);
    const { Vpc } = await ec2.send(new CreateVpcCommand({ CidrBlock: "10.0.0.0/16" }));
    const { Subnet } = await ec2.send(new CreateSubnetCommand({
      VpcId: Vpc.VpcId, CidrBlock: "10.0.1.0/24", AvailabilityZone: "us-east-1a",
    }));
    const out = await ec2.send(new RunInstancesCommand({
      ImageId: Images[0].ImageId,
      InstanceType: "t3.small",
      MinCount: 1,
      MaxCount: 1,
      SubnetId: Subnet.SubnetId,
      UserData: Buffer.from(USER_DATA).toString("base64"),
      TagSpecifications: [{ ResourceType: "instance", Tags: [{ Key: "Name", Value: "js-node" }] }],
    }));
    const instance = out.Instances[0];
    assert.match(instance.InstanceId, new RegExp(`^i-${ID17}$`));
    assert.equal(instance.State.Name, "pending");
    assert.equal(instance.SubnetId, Subnet.SubnetId);
    assert.equal(tagValue(instance.Tags, "Name"), "js-node");
    const ids = [instance.InstanceId];

    const running = await waitUntilInstanceRunning(
      { client: ec2, maxWaitTime: 30, minDelay: 1, maxDelay: 1 }, { InstanceIds: ids });
    assert.equal(running.state, "SUCCESS");
    const { Reservations } = await ec2.send(new DescribeInstancesCommand({
      Filters: [{ Name: "tag:Name", Values: ["js-node"] }],
    }));
    assert.equal(Reservations[0].Instances[0].State.Name, "running");
    assert.equal(Reservations[0].Instances[0].InstanceType, "t3.small");

    const attr = await ec2.send(new DescribeInstanceAttributeCommand({
      InstanceId: instance.InstanceId, Attribute: "userData",
    }));
    assert.equal(Buffer.from(attr.UserData.Value, "base64").toString(), USER_DATA);

    await ec2.send(new TerminateInstancesCommand({ InstanceIds: ids }));
    const gone = await waitUntilInstanceTerminated(
      { client: ec2, maxWaitTime: 30, minDelay: 1, maxDelay: 1 }, { InstanceIds: ids });
    assert.equal(gone.state, "SUCCESS");

    await expectError(ec2.send(new RunInstancesCommand({
      ImageId: "ami-0123456789abcdef0", MinCount: 1, MaxCount: 1, SubnetId: Subnet.SubnetId,
    })), "InvalidAMIID.NotFound");
  });
});
