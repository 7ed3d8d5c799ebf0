"""boto3: ELBv2 authentication actions — ``authenticate-oidc``,
``authenticate-cognito`` and ``jwt-validation`` — on the HTTPS listeners of
Application Load Balancers, as default actions and in rules.

AWS fills the session defaults (cookie ``AWSELBAuthSessionCookie``, scope
``openid``, 604800 seconds, ``authenticate``), never returns the OIDC client
secret, wants exactly one forward/redirect/fixed-response performed last, and
refuses the actions elsewhere. Scenarios declare them and export them back
(the client secret included, so the file loads again).
"""

from __future__ import annotations

import pytest
import requests

from awsemu_helpers import err_message, raises_code
from test_elbv2_target_groups import alb, network, nlb, tg

CERT = "arn:aws:acm:us-east-1:000000000000:certificate/0a1b2c3d-1111-2222-3333-444455556666"
POOL = "arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_abcDEF123"

OIDC = {
    "Issuer": "https://idp.example.com",
    "AuthorizationEndpoint": "https://idp.example.com/authorize",
    "TokenEndpoint": "https://idp.example.com/token",
    "UserInfoEndpoint": "https://idp.example.com/userinfo",
    "ClientId": "client-1",
    "ClientSecret": "s3cret",
}
COGNITO = {"UserPoolArn": POOL, "UserPoolClientId": "abc123client", "UserPoolDomain": "login-example"}
JWT = {"JwksEndpoint": "https://idp.example.com/.well-known/jwks.json", "Issuer": "https://idp.example.com"}
DEFAULTS = {
    "SessionCookieName": "AWSELBAuthSessionCookie",
    "Scope": "openid",
    "SessionTimeout": 604800,
    "OnUnauthenticatedRequest": "authenticate",
}


@pytest.fixture
def ec2(ec2):
    return ec2()


@pytest.fixture
def elb(elbv2):
    return elbv2()


@pytest.fixture
def site(ec2, elb):
    """An ALB, an HTTP target group, and an HTTPS listener forwarding to it."""
    vpc, a, b = network(ec2)
    lb = alb(elb, [a, b])
    group = tg(elb, "web", Protocol="HTTP", Port=80, VpcId=vpc)["TargetGroupArn"]
    https = elb.create_listener(LoadBalancerArn=lb, Protocol="HTTPS", Port=443, Certificates=[{"CertificateArn": CERT}],
                                DefaultActions=[forward(group)])["Listeners"][0]["ListenerArn"]
    return {"vpc": vpc, "subnets": [a, b], "lb": lb, "tg": group, "https": https}


def forward(group, order=None):
    out = {"Type": "forward", "TargetGroupArn": group}
    if order is not None:
        out["Order"] = order
    return out


def oidc(order=1, **kw):
    return {"Type": "authenticate-oidc", "Order": order, "AuthenticateOidcConfig": {**OIDC, **kw}}


def cognito(order=1, **kw):
    return {"Type": "authenticate-cognito", "Order": order, "AuthenticateCognitoConfig": {**COGNITO, **kw}}


def listener(elb, arn):
    return elb.describe_listeners(ListenerArns=[arn])["Listeners"][0]


def test_oidc_default_action_round_trips_with_defaults(elb, site):
    out = elb.create_listener(LoadBalancerArn=site["lb"], Protocol="HTTPS", Port=8443,
                              Certificates=[{"CertificateArn": CERT}],
                              DefaultActions=[oidc(1), forward(site["tg"], 2)])["Listeners"][0]
    got = out["DefaultActions"]
    expected = {k: v for k, v in OIDC.items() if k != "ClientSecret"}
    assert got[0] == {"Type": "authenticate-oidc", "Order": 1, "AuthenticateOidcConfig": {**expected, **DEFAULTS}}
    assert "ClientSecret" not in got[0]["AuthenticateOidcConfig"]
    assert got[1]["Type"] == "forward" and got[1]["Order"] == 2 and got[1]["TargetGroupArn"] == site["tg"]
    assert listener(elb, out["ListenerArn"]) == out
    rules = elb.describe_rules(ListenerArn=out["ListenerArn"])["Rules"]
    assert rules[0]["IsDefault"] and rules[0]["Actions"] == got
    # The same call again answers the same listener (CreateListener is idempotent).
    again = elb.create_listener(LoadBalancerArn=site["lb"], Protocol="HTTPS", Port=8443,
                                Certificates=[{"CertificateArn": CERT}],
                                DefaultActions=[oidc(1), forward(site["tg"], 2)])["Listeners"][0]
    assert again == out


def test_cognito_default_action_keeps_given_session(elb, site):
    session = {"SessionCookieName": "mine", "Scope": "openid email", "SessionTimeout": 3600,
               "OnUnauthenticatedRequest": "deny", "AuthenticationRequestExtraParams": {"prompt": "login"}}
    out = elb.create_listener(LoadBalancerArn=site["lb"], Protocol="HTTPS", Port=8443,
                              Certificates=[{"CertificateArn": CERT}],
                              DefaultActions=[cognito(5, **session), {
                                  "Type": "fixed-response", "Order": 10,
                                  "FixedResponseConfig": {"StatusCode": "200", "ContentType": "text/plain"}}])
    got = out["Listeners"][0]["DefaultActions"]
    assert got[0] == {"Type": "authenticate-cognito", "Order": 5, "AuthenticateCognitoConfig": {**COGNITO, **session}}
    plain = elb.create_listener(LoadBalancerArn=site["lb"], Protocol="HTTPS", Port=8444,
                                Certificates=[{"CertificateArn": CERT}],
                                DefaultActions=[cognito(1), forward(site["tg"], 2)])["Listeners"][0]
    assert plain["DefaultActions"][0]["AuthenticateCognitoConfig"] == {**COGNITO, **DEFAULTS}


def test_rule_with_authenticate_and_forward(elb, site):
    cond = [{"Field": "path-pattern", "Values": ["/admin/*"]}]
    rule = elb.create_rule(ListenerArn=site["https"], Priority=10, Conditions=cond,
                           Actions=[cognito(1), forward(site["tg"], 2)])["Rules"][0]
    assert [a["Type"] for a in rule["Actions"]] == ["authenticate-cognito", "forward"]
    assert rule["Actions"][0]["AuthenticateCognitoConfig"] == {**COGNITO, **DEFAULTS}
    assert elb.describe_rules(RuleArns=[rule["RuleArn"]])["Rules"] == [rule]
    # ModifyRule replaces the actions: OIDC now, then the same with the
    # existing client secret.
    mod = elb.modify_rule(RuleArn=rule["RuleArn"], Actions=[oidc(1), forward(site["tg"], 2)])["Rules"][0]
    assert mod["Actions"][0]["Type"] == "authenticate-oidc"
    assert "ClientSecret" not in mod["Actions"][0]["AuthenticateOidcConfig"]
    cfg = {k: v for k, v in OIDC.items() if k != "ClientSecret"}
    kept = elb.modify_rule(RuleArn=rule["RuleArn"], Actions=[
        {"Type": "authenticate-oidc", "Order": 1,
         "AuthenticateOidcConfig": {**cfg, "UseExistingClientSecret": True, "Scope": "openid profile"}},
        forward(site["tg"], 2)])["Rules"][0]
    assert kept["Actions"][0]["AuthenticateOidcConfig"]["Scope"] == "openid profile"
    assert "UseExistingClientSecret" not in kept["Actions"][0]["AuthenticateOidcConfig"]
    assert elb.describe_rules(ListenerArn=site["https"])["Rules"][0] == kept
    # A rule on an HTTP listener cannot authenticate.
    http = elb.create_listener(LoadBalancerArn=site["lb"], Protocol="HTTP", Port=80,
                               DefaultActions=[forward(site["tg"])])["Listeners"][0]["ListenerArn"]
    with raises_code("InvalidConfigurationRequest"):
        elb.create_rule(ListenerArn=http, Priority=1, Conditions=cond, Actions=[cognito(1), forward(site["tg"], 2)])
    # Nor can the HTTPS listener become HTTP while a rule authenticates.
    with raises_code("InvalidConfigurationRequest"):
        elb.modify_listener(ListenerArn=site["https"], Protocol="HTTP", Port=8080)
    assert listener(elb, site["https"])["Protocol"] == "HTTPS"


def test_modify_listener_replaces_actions(elb, site):
    arn = site["https"]
    out = elb.modify_listener(ListenerArn=arn, DefaultActions=[oidc(1), forward(site["tg"], 2)])["Listeners"][0]
    assert [a["Type"] for a in out["DefaultActions"]] == ["authenticate-oidc", "forward"]
    assert listener(elb, arn) == out
    # UseExistingClientSecret keeps the secret the listener has.
    cfg = {k: v for k, v in OIDC.items() if k != "ClientSecret"}
    out = elb.modify_listener(ListenerArn=arn, DefaultActions=[
        {"Type": "authenticate-oidc", "Order": 1,
         "AuthenticateOidcConfig": {**cfg, "UseExistingClientSecret": True, "OnUnauthenticatedRequest": "allow"}},
        forward(site["tg"], 2)])["Listeners"][0]
    assert out["DefaultActions"][0]["AuthenticateOidcConfig"]["OnUnauthenticatedRequest"] == "allow"
    # A kept authenticate action keeps the listener HTTPS.
    with raises_code("InvalidConfigurationRequest"):
        elb.modify_listener(ListenerArn=arn, Protocol="HTTP", Port=8080)
    # Replaced by a plain fixed response, the authentication is gone and
    # the listener may become HTTP.
    out = elb.modify_listener(ListenerArn=arn, DefaultActions=[
        {"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "503"}}])["Listeners"][0]
    assert [a["Type"] for a in out["DefaultActions"]] == ["fixed-response"]
    out = elb.modify_listener(ListenerArn=arn, Protocol="HTTP", Port=8080)["Listeners"][0]
    assert out["Protocol"] == "HTTP"
    # With no OIDC action left, there is no secret to keep.
    elb.modify_listener(ListenerArn=arn, Protocol="HTTPS", Port=443, Certificates=[{"CertificateArn": CERT}])
    with raises_code("ValidationError"):
        elb.modify_listener(ListenerArn=arn, DefaultActions=[
            {"Type": "authenticate-oidc", "Order": 1,
             "AuthenticateOidcConfig": {**cfg, "UseExistingClientSecret": True}}, forward(site["tg"], 2)])


def test_refusals(elb, site, awsemu_endpoint):
    lb, group = site["lb"], site["tg"]

    def create(actions, protocol="HTTPS", port=9443, client=elb):
        kw = {"Certificates": [{"CertificateArn": CERT}]} if protocol == "HTTPS" else {}
        return client.create_listener(LoadBalancerArn=lb, Protocol=protocol, Port=port, DefaultActions=actions, **kw)

    # Only on HTTPS listeners.
    for action in (oidc(1), cognito(1), {"Type": "jwt-validation", "Order": 1, "JwtValidationConfig": JWT}):
        with raises_code("InvalidConfigurationRequest") as e:
            create([action, forward(group, 2)], protocol="HTTP", port=80)
        assert action["Type"] in err_message(e)
    # Only on Application Load Balancers.
    net = nlb(elb, site["subnets"])
    tcp = tg(elb, "tcp", Protocol="TCP", Port=443, VpcId=site["vpc"])["TargetGroupArn"]
    with raises_code("InvalidLoadBalancerAction"):
        elb.create_listener(LoadBalancerArn=net, Protocol="TLS", Port=443, Certificates=[{"CertificateArn": CERT}],
                            DefaultActions=[oidc(1), forward(tcp, 2)])
    # A forward, redirect or fixed-response must end the actions.
    with raises_code("InvalidLoadBalancerAction"):
        create([oidc(1)])
    with raises_code("InvalidLoadBalancerAction"):
        create([oidc(3), forward(group, 2)])
    with raises_code("TooManyActions"):
        create([forward(group, 1), {"Type": "fixed-response", "Order": 2, "FixedResponseConfig": {"StatusCode": "200"}}])
    with raises_code("InvalidLoadBalancerAction"):
        create([oidc(1), cognito(2), forward(group, 3)])
    # Orders are unique, and given when there are several actions.
    with raises_code("ValidationError") as e:
        create([oidc(1), forward(group, 1)])
    assert "unique" in err_message(e)
    with raises_code("ValidationError"):
        create([oidc(1), forward(group)])
    # The config of the type must be there, with what it requires.
    with raises_code("ValidationError"):
        create([{"Type": "authenticate-cognito", "Order": 1}, forward(group, 2)])
    with raises_code("ValidationError"):
        create([{"Type": "authenticate-oidc", "Order": 1, "AuthenticateCognitoConfig": COGNITO}, forward(group, 2)])
    no_secret = {k: v for k, v in OIDC.items() if k != "ClientSecret"}
    with raises_code("ValidationError") as e:
        create([{"Type": "authenticate-oidc", "Order": 1, "AuthenticateOidcConfig": no_secret}, forward(group, 2)])
    assert "client secret" in err_message(e)
    with raises_code("ValidationError"):  # nothing to keep on a new listener
        create([{"Type": "authenticate-oidc", "Order": 1,
                 "AuthenticateOidcConfig": {**no_secret, "UseExistingClientSecret": True}}, forward(group, 2)])
    with raises_code("ValidationError"):
        create([oidc(1, Issuer="http://idp.example.com"), forward(group, 2)])
    with raises_code("ValidationError"):
        create([oidc(1, SessionTimeout=604801), forward(group, 2)])
    with raises_code("ValidationError"):
        create([cognito(1, UserPoolArn="pool"), forward(group, 2)])
    # A required member missing reaches the server without botocore's check.
    from conftest import DEFAULT_ACCOUNT, DEFAULT_REGION, make_client

    raw = make_client(awsemu_endpoint, "elbv2", DEFAULT_ACCOUNT, DEFAULT_REGION, validate=False)
    missing = {k: v for k, v in OIDC.items() if k != "Issuer"}
    with raises_code("ValidationError") as e:
        create([{"Type": "authenticate-oidc", "Order": 1, "AuthenticateOidcConfig": missing}, forward(group, 2)],
               client=raw)
    assert err_message(e) == (
        "1 validation error detected: Value null at 'defaultActions.1.authenticateOidcConfig.issuer' "
        "failed to satisfy constraint: Member must not be null")
    with raises_code("ValidationError") as e:
        create([oidc(1, OnUnauthenticatedRequest="maybe"), forward(group, 2)], client=raw)
    assert "Member must satisfy enum value set" in err_message(e)
    # Nothing was created.
    ports = sorted(x["Port"] for x in elb.describe_listeners(LoadBalancerArn=lb)["Listeners"])
    assert ports == [443]


def test_jwt_validation(elb, site):
    claims = [{"Format": "single-string", "Name": "aud", "Values": ["api"]},
              {"Format": "space-separated-values", "Name": "scope", "Values": ["read", "write"]},
              {"Format": "string-array", "Name": "groups", "Values": ["admins", "ops team"]}]
    action = {"Type": "jwt-validation", "Order": 1, "JwtValidationConfig": {**JWT, "AdditionalClaims": claims}}
    out = elb.modify_listener(ListenerArn=site["https"], DefaultActions=[action, forward(site["tg"], 2)])
    got = out["Listeners"][0]["DefaultActions"]
    assert got[0] == action
    assert listener(elb, site["https"])["DefaultActions"] == got
    rule = elb.create_rule(ListenerArn=site["https"], Priority=5,
                           Conditions=[{"Field": "host-header", "Values": ["api.example.com"]}],
                           Actions=[{"Type": "jwt-validation", "Order": 1, "JwtValidationConfig": JWT},
                                    forward(site["tg"], 2)])["Rules"][0]
    assert rule["Actions"][0] == {"Type": "jwt-validation", "Order": 1, "JwtValidationConfig": JWT}

    def refused(claim):
        with raises_code("ValidationError"):
            elb.modify_listener(ListenerArn=site["https"], DefaultActions=[
                {"Type": "jwt-validation", "Order": 1, "JwtValidationConfig": {**JWT, "AdditionalClaims": [claim]}},
                forward(site["tg"], 2)])

    refused({"Format": "single-string", "Name": "iss", "Values": ["x"]})  # validated anyway
    refused({"Format": "single-string", "Name": "aud", "Values": ["a", "b"]})
    refused({"Format": "space-separated-values", "Name": "scope", "Values": ["read write"]})
    refused({"Format": "string-array", "Name": "groups", "Values": [str(i) for i in range(11)]})
    with raises_code("ValidationError"):
        elb.modify_listener(ListenerArn=site["https"], DefaultActions=[
            {"Type": "jwt-validation", "Order": 1,
             "JwtValidationConfig": {**JWT, "JwksEndpoint": "http://idp.example.com/jwks"}}, forward(site["tg"], 2)])
    assert listener(elb, site["https"])["DefaultActions"] == got


SCENARIO = f"""\
version: 1
accounts:
  - id: "000000000000"
    regions:
      us-east-1:
        vpcs: [{{name: app, cidr: 10.5.0.0/16}}]
        subnets:
          - {{name: a, vpc: app, cidr: 10.5.1.0/24, az: us-east-1a}}
          - {{name: b, vpc: app, cidr: 10.5.2.0/24, az: us-east-1b}}
        loadBalancers:
          - {{name: site, type: application, subnets: [a, b]}}
        targetGroups:
          - {{name: web, protocol: HTTP, port: 80, vpc: app}}
        listeners:
          - loadBalancer: site
            protocol: HTTPS
            port: 443
            certificates: ["{CERT}"]
            defaultActions:
              - type: authenticate-oidc
                order: 1
                authenticateOidc:
                  issuer: https://idp.example.com
                  authorizationEndpoint: https://idp.example.com/authorize
                  tokenEndpoint: https://idp.example.com/token
                  userInfoEndpoint: https://idp.example.com/userinfo
                  clientId: client-1
                  clientSecret: s3cret
                  session: {{scope: openid email, authenticationRequestExtraParams: {{prompt: login}}}}
              - {{type: forward, order: 2, targetGroup: web}}
            rules:
              - priority: 10
                conditions: [{{field: path-pattern, values: [/admin/*]}}]
                actions:
                  - type: authenticate-cognito
                    order: 1
                    authenticateCognito:
                      userPoolArn: {POOL}
                      userPoolClientId: abc123client
                      userPoolDomain: login-example
                      session: {{sessionTimeout: 3600, onUnauthenticatedRequest: deny}}
                  - {{type: forward, order: 2, targetGroup: web}}
              - priority: 20
                conditions: [{{field: path-pattern, values: [/api/*]}}]
                actions:
                  - type: jwt-validation
                    order: 1
                    jwtValidation:
                      jwksEndpoint: https://idp.example.com/.well-known/jwks.json
                      issuer: https://idp.example.com
                      additionalClaims: [{{format: string-array, name: groups, values: [admins]}}]
                  - {{type: fixed-response, order: 2, fixedResponse: {{statusCode: "200"}}}}
"""


def test_scenario_round_trip(awsemu_launcher, client_for, tmp_path):
    path = tmp_path / "auth.yaml"
    path.write_text(SCENARIO)
    url, stop = awsemu_launcher("--scenario", str(path))
    try:
        elb = client_for(url, "elbv2")
        lb = elb.describe_load_balancers(Names=["site"])["LoadBalancers"][0]["LoadBalancerArn"]
        listeners = elb.describe_listeners(LoadBalancerArn=lb)["Listeners"]
        first = listeners[0]["DefaultActions"][0]["AuthenticateOidcConfig"]
        assert first["Scope"] == "openid email" and first["SessionTimeout"] == 604800
        assert first["AuthenticationRequestExtraParams"] == {"prompt": "login"}
        assert "ClientSecret" not in first
        rules = elb.describe_rules(ListenerArn=listeners[0]["ListenerArn"])["Rules"]
        assert [r["Actions"][0]["Type"] for r in rules] == ["authenticate-cognito", "jwt-validation",
                                                           "authenticate-oidc"]
        assert rules[0]["Actions"][0]["AuthenticateCognitoConfig"]["OnUnauthenticatedRequest"] == "deny"
        exported = requests.get(f"{url}/_awsemu/state", timeout=10).text
        # The secret goes out so the file loads back; AWS's defaults do not.
        assert "clientSecret: s3cret" in exported
        assert "AWSELBAuthSessionCookie" not in exported and "604800" not in exported
    finally:
        stop()
    again = tmp_path / "again.yaml"
    again.write_text(exported)
    url2, stop2 = awsemu_launcher("--scenario", str(again))
    try:
        elb2 = client_for(url2, "elbv2")
        assert elb2.describe_listeners(LoadBalancerArn=lb)["Listeners"] == listeners
        assert elb2.describe_rules(ListenerArn=listeners[0]["ListenerArn"])["Rules"] == rules
        assert requests.get(f"{url2}/_awsemu/state", timeout=10).text == exported
        # The secret came back: UseExistingClientSecret finds it.
        cfg = {k: v for k, v in OIDC.items() if k != "ClientSecret"}
        elb2.modify_listener(ListenerArn=listeners[0]["ListenerArn"], DefaultActions=[
            {"Type": "authenticate-oidc", "Order": 1,
             "AuthenticateOidcConfig": {**cfg, "UseExistingClientSecret": True}},
            listeners[0]["DefaultActions"][1]])
    finally:
        stop2()
