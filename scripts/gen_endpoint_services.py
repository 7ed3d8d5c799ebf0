#!/usr/bin/env python3
"""Writes emulator/src/services/ec2/data/endpoint-services.tsv, the AWS
service catalogue of DescribeVpcEndpointServices.

Usage: scripts/gen_endpoint_services.py NAMES.tsv BOTOCORE_ENDPOINTS.json [COMMIT]

NAMES.tsv is the reference list of AWS-owned endpoint service names
(privatelink-services.tsv: name_template, type, private_dns, source,
regions_note); BOTOCORE_ENDPOINTS.json is botocore/data/endpoints.json, read
for the Regions each service is offered in. The generated file is what the
emulator loads; edit it by hand for one new service (one line), or rerun this.
"""
import json
import sys

OUT = "emulator/src/services/ec2/data/endpoint-services.tsv"

# The services awsemu catalogued before this file existed, with the shape its
# tests pin: (base DNS label, types, private DNS names, flags).
KEPT = {
    "ecs": ("ecs", "Interface", ["ecs.REGION.amazonaws.com"], "no-policy,xregion"),
    "ecs-agent": ("ecs-agent", "Interface", ["ecs-a.REGION.amazonaws.com"], "no-policy"),
    "ecs-telemetry": ("ecs-telemetry", "Interface", ["ecs-t.REGION.amazonaws.com"], "no-policy"),
    "ecr.api": ("api.ecr", "Interface", ["api.ecr.REGION.amazonaws.com"], "xregion"),
    "ecr.dkr": ("dkr.ecr", "Interface", ["*.dkr.ecr.REGION.amazonaws.com"], "xregion"),
    "logs": ("logs", "Interface", ["logs.REGION.amazonaws.com"], "ipv6"),
    "s3": ("s3", "Interface,Gateway", ["*.s3.REGION.amazonaws.com"], "pdns-off,ipv6,xregion,wildcard"),
    "sts": ("sts", "Interface", ["sts.REGION.amazonaws.com"], "-"),
    "ssm": ("ssm", "Interface", ["ssm.REGION.amazonaws.com"], "-"),
    "ssmmessages": ("ssmmessages", "Interface", ["ssmmessages.REGION.amazonaws.com"], "-"),
    "ec2messages": ("ec2messages", "Interface", ["ec2messages.REGION.amazonaws.com"], "-"),
    "ec2": ("ec2", "Interface", ["ec2.REGION.amazonaws.com"], "-"),
    "secretsmanager": ("secretsmanager", "Interface", ["secretsmanager.REGION.amazonaws.com"], "-"),
    "kms": ("kms", "Interface", ["kms.REGION.amazonaws.com"], "xregion"),
    "sqs": ("sqs", "Interface", ["sqs.REGION.amazonaws.com"], "-"),
    "sns": ("sns", "Interface", ["sns.REGION.amazonaws.com"], "-"),
    "elasticloadbalancing": ("elasticloadbalancing", "Interface", ["elasticloadbalancing.REGION.amazonaws.com"], "-"),
    "monitoring": ("monitoring", "Interface", [
        "monitoring.REGION.amazonaws.com", "monitoring.REGION.api.aws",
        "monitoring-fips.REGION.amazonaws.com", "monitoring-fips.REGION.api.aws"], "ipv6"),
    "lambda": ("lambda", "Interface", ["lambda.REGION.amazonaws.com"], "xregion"),
    "events": ("events", "Interface", ["events.REGION.amazonaws.com"], "-"),
    "execute-api": ("execute-api", "Interface", ["*.execute-api.REGION.amazonaws.com"], "-"),
    "kinesis-streams": ("kinesis-streams", "Interface", ["kinesis.REGION.amazonaws.com"], "-"),
    "states": ("states", "Interface", ["states.REGION.amazonaws.com"], "-"),
    "elasticfilesystem": ("elasticfilesystem", "Interface", ["elasticfilesystem.REGION.amazonaws.com"], "-"),
    "autoscaling": ("autoscaling", "Interface", ["autoscaling.REGION.amazonaws.com"], "-"),
    "servicediscovery": ("servicediscovery", "Interface", ["servicediscovery.REGION.amazonaws.com"], "-"),
    "appmesh-envoy-management": ("appmesh-envoy-management", "Interface", ["appmesh-envoy-management.REGION.amazonaws.com"], "no-policy"),
    "acm-pca": ("acm-pca", "Interface", ["acm-pca.REGION.amazonaws.com"], "-"),
    # Gateway before; the Interface type is AWS's since 2024 (no private DNS name known: [U]).
    "dynamodb": ("dynamodb", "Interface,Gateway", ["[U]dynamodb.REGION.amazonaws.com"], "pdns-off"),
}

# Endpoint-service suffix -> botocore endpoint prefix, where they differ.
PREFIX = {
    "ecr.api": "api.ecr", "ecr.dkr": "api.ecr", "ecs-agent": "ecs", "ecs-telemetry": "ecs",
    "kinesis-streams": "kinesis", "kinesis-firehose": "firehose", "sagemaker.api": "api.sagemaker",
    "sagemaker.runtime": "runtime.sagemaker", "sagemaker.featurestore-runtime": "featurestore-runtime.sagemaker",
    "sagemaker.metrics": "metrics.sagemaker", "email-smtp": "email", "git-codecommit": "codecommit",
    "appstream.api": "appstream2", "appstream.streaming": "appstream2", "codeartifact.api": "codeartifact",
    "codeartifact.repositories": "codeartifact", "airflow.api": "airflow", "airflow.env": "airflow",
    "airflow.ops": "airflow", "iot.data": "data-ats.iot", "iot.api": "iot", "iot.credentials": "iot",
    "iot.tunneling.api": "api.tunneling.iot", "iot.tunneling.data": "api.tunneling.iot",
    "lorawan.cups": "api.iotwireless", "lorawan.lns": "api.iotwireless", "ecr-public.api": "api.ecr-public",
    "memory-db": "memory-db", "memorydb": "memory-db", "pinpoint-sms-voice-v2": "sms-voice",
    "models-v2-lex": "models-v2-lex", "runtime-v2-lex": "runtime-v2-lex", "qldb.session": "session.qldb",
    "transfer.server": "transfer", "elastic-inference.runtime": "api.elastic-inference",
    "rum-dataplane": "dataplane.rum", "evidently-dataplane": "evidently", "codestar-connections.api": "codestar-connections",
    "deviceadvisor.iot": "api.iotdeviceadvisor", "pricing.api": "api.pricing", "dynamodb-streams": "streams.dynamodb",
    "tags-omics": "omics", "workflows-omics": "omics", "analytics-omics": "omics", "storage-omics": "omics",
    "control-storage-omics": "omics", "dicom-medical-imaging": "medical-imaging",
    "runtime-medical-imaging": "medical-imaging", "geo.maps": "geo", "geo.places": "geo", "geo.routes": "geo",
    "streaming-rekognition": "rekognition", "aps-workspaces": "aps", "elasticbeanstalk-health": "elasticbeanstalk",
    "cognito-identity": "cognito-identity", "data-servicediscovery": "data-servicediscovery",
}
US_CA = ["us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "ca-west-1"]


def main():
    names_path, endpoints_path = sys.argv[1], sys.argv[2]
    commit = sys.argv[3] if len(sys.argv) > 3 else "unknown"
    part = next(p for p in json.load(open(endpoints_path))["partitions"] if p["partition"] == "aws")
    regions = sorted(part["regions"])
    services = part["services"]

    def offered(prefix):
        """(Regions, FIPS Regions) botocore lists for `prefix`, or None."""
        s = services.get(prefix)
        if not s:
            return None
        eps = s.get("endpoints", {})
        plain = [r for r in regions if r in eps]
        fips = set()
        for key, ep in eps.items():
            if "fips" in key:
                fips.update(r for r in regions if r in key)
            elif key in regions and any("fips" in v.get("tags", []) for v in ep.get("variants", [])):
                fips.add(key)
        if not plain:
            return None
        return plain, sorted(fips)

    def lookup(suffix):
        base = suffix.replace("-fips", "")
        for cand in (PREFIX.get(base), base, ".".join(reversed(base.split("."))), base.split(".")[0]):
            if cand and offered(cand):
                return cand, offered(cand)
        return None, None

    rows = []
    for line in open(names_path).read().splitlines()[1:]:
        name, types, pdns, source, note = (line.split("\t") + [""] * 5)[:5]
        parts = name.split(".")
        if "REGION" in parts:
            i = parts.index("REGION")
            suffix = ".".join(parts[i + 1:])
            api_aws = parts[:i] in (["aws", "api"], ["api", "aws"])
            sagemaker_aws = parts[:i] == ["aws", "sagemaker"]
        else:
            suffix, api_aws, sagemaker_aws = None, False, False
        fips = suffix is not None and "fips" in suffix
        flags = []
        if suffix in KEPT and parts[:2] == ["com", "amazonaws"] and len(parts) > 2 and parts[2] == "REGION":
            label, types, dns, f = KEPT[suffix]
            flags = [x for x in f.split(",") if x != "-"]
            dns_list = dns
        else:
            if suffix is None:
                # Global: com.amazonaws.iam, com.amazonaws.s3-global.accesspoint, aws.api.global.codecatalyst
                rest = name.split(".", 2)[2]
                label = ".".join(reversed(rest.split(".")))
            else:
                label = ".".join(reversed(suffix.split(".")))
            if pdns:
                dns_list = [pdns]
            elif "Interface" not in types:
                dns_list = []
            elif suffix is None:
                if name.startswith("aws.api.global."):
                    dns_list = [f"[U]{name.split('.')[-1]}.global.api.aws"]
                else:
                    dns_list = [f"[U]{label}.amazonaws.com"]
            elif api_aws:
                dns_list = [f"[U]{label}.REGION.api.aws"]
            elif sagemaker_aws:
                dns_list = [f"[U]*.{label}.REGION.sagemaker.aws"]
            else:
                dns_list = [f"[U]{label}.REGION.amazonaws.com"]
            if "cross-region enabled" in note:
                flags.append("xregion")
        # Regions
        if suffix is None:
            if name == "com.amazonaws.s3-global.accesspoint":
                where, rsrc = "*", "all (global access points)"
            else:
                where, rsrc = "us-east-1", "[U] global service, listed in us-east-1"
        else:
            prefix, got = lookup(suffix)
            if got is None:
                plain, fips_regions = (regions, [])
                rsrc = "[U] not in botocore: all commercial"
            else:
                plain, fips_regions = got
                rsrc = f"botocore:{prefix}"
            if fips:
                fr = [r for r in (fips_regions or US_CA) if r in plain or got is None]
                if not fips_regions:
                    rsrc += "; [U] FIPS in US/Canada"
                plain = sorted(fr or [r for r in US_CA if r in plain] or ["us-east-1"])
            where = "*" if plain == regions else ",".join(plain)
        rows.append([name, types.replace(" ", ""), label, ";".join(dns_list) or "-",
                     ",".join(flags) or "-", where, f"{source}; regions={rsrc}"])

    with open(OUT, "w") as out:
        out.write(HEADER.format(commit=commit, n=len(rows), regions=len(regions)))
        out.write("#name\ttypes\tlabel\tprivate_dns\tflags\tregions\tsource\n")
        for r in sorted(rows):
            out.write("\t".join(r) + "\n")


HEADER = """\
# The AWS-owned VPC endpoint services (Owner amazon) DescribeVpcEndpointServices
# answers, one line each: {n} names, offered in up to {regions} commercial Regions.
# Written by scripts/gen_endpoint_services.py; a new service is one more line.
#
# Sources (see also docs/endpoint-services.md):
# - Names, types, private DNS: /work/shared/data/privatelink-services.tsv, gathered
#   2026-12-03 from the AWS PrivateLink Guide's "AWS services that integrate with AWS
#   PrivateLink" table and example outputs (plguide), aws/aws-cdk vpc-endpoint.ts
#   @000a9eb6 (cdk), getmoto/moto moto/ec2/models/vpcs.py @0af643a5 (moto), service
#   docs (doc:*), aws-samples/aws-tf-nw-shared-svc service_codes.md (dns=tfnw).
# - Regions: boto/botocore botocore/data/endpoints.json @{commit}, the service's
#   endpoint prefix (source column regions=botocore:<prefix>); FIPS names where
#   botocore has a FIPS endpoint. Not in botocore: every commercial Region [U].
# - The 29 services catalogued before (ecs, ecr.*, logs, s3, ssm, ...) keep their
#   labels, names and flags as tested.
#
# Columns (tab-separated):
#   name        REGION stands for the Region; a name without it is global
#   types       Interface | Gateway | Interface,Gateway
#   label       BaseEndpointDnsNames label: <label>.<region>.vpce.amazonaws.com
#   private_dns PrivateDnsNames, ';'-separated, REGION substituted; '-' none;
#               [U] marks a name AWS's usual pattern gives, not seen in a source
#   flags       pdns-off (private DNS off unless asked), no-policy (no endpoint
#               policies), ipv6 (dual-stack), xregion (cross-Region access),
#               wildcard (endpoint DNS names carry '*.'); '-' none
#   regions     '*' every commercial Region, else a comma list
#   source      where the line comes from
"""

if __name__ == "__main__":
    main()
