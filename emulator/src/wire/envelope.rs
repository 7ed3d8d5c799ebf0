//! Error envelopes, one per protocol (aws-spec.md §3.3, §4.3, §5).

use super::error::AwsError;

use super::xml::XmlWriter;

/// `<Response><Errors><Error><Code/><Message/></Error></Errors><RequestID/></Response>`
pub fn ec2_error(e: &AwsError, request_id: &str) -> Vec<u8> {
    let mut w = XmlWriter::new();
    w.start("Response");
    w.start("Errors");
    w.start("Error");
    w.element("Code", e.code.as_ref());
    w.element("Message", e.message.as_str());
    w.end("Error");
    w.end("Errors");
    w.element("RequestID", request_id);
    w.end("Response");
    w.finish()
}

/// `<ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>`
pub fn query_error(e: &AwsError, request_id: &str, xmlns: &str) -> Vec<u8> {
    let mut w = XmlWriter::new();
    w.start_ns("ErrorResponse", xmlns);
    w.start("Error");
    w.element(
        "Type",
        if e.is_server_fault() {
            "Receiver"
        } else {
            "Sender"
        },
    );
    w.element("Code", e.code.as_ref());
    w.element("Message", e.message.as_str());
    w.end("Error");
    w.element("RequestId", request_id);
    w.end("ErrorResponse");
    w.finish()
}

/// `{"__type": "...", "message": "..."}`. JSON services have no
/// `InvalidAction`: an operation the emulator lacks is an unknown operation.
pub fn json_error(e: &AwsError) -> (String, Vec<u8>) {
    let code = if e.code == "InvalidAction" {
        "UnknownOperationException"
    } else {
        e.code.as_ref()
    };
    let body = serde_json::json!({ "__type": code, "message": e.message });
    (code.to_string(), body.to_string().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ec2_envelope_has_capital_request_id() {
        let e = AwsError::new("InvalidVpcID.NotFound", "The vpc ID 'vpc-1' does not exist");
        let s = String::from_utf8(ec2_error(&e, "rid")).unwrap();
        assert!(s.contains("<Response><Errors><Error><Code>InvalidVpcID.NotFound</Code><Message>The vpc ID &apos;vpc-1&apos; does not exist</Message></Error></Errors><RequestID>rid</RequestID></Response>"), "{s}");
    }

    #[test]
    fn query_envelope_names_the_fault_side() {
        let s = String::from_utf8(query_error(&AwsError::internal("boom"), "r", "ns")).unwrap();
        assert!(
            s.contains("<Type>Receiver</Type><Code>InternalError</Code>"),
            "{s}"
        );
    }

    #[test]
    fn json_envelope_maps_invalid_action() {
        let (code, body) = json_error(&AwsError::not_implemented("RunTask"));
        assert_eq!(code, "UnknownOperationException");
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["__type"], "UnknownOperationException");
    }
}
