//! The `$context` variables Ceiling reads, and the names templates give them.

/// An access-log field the analysis reads, named after the `$context` variable behind it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Field {
    RequestId,
    ExtendedRequestId,
    RequestTime,
    RequestTimeEpoch,
    HttpMethod,
    ResourcePath,
    RouteKey,
    Path,
    Status,
    ResponseLength,
    ResponseLatency,
    IntegrationLatency,
    IntegrationStatus,
    IntegrationRequestId,
    ErrorMessage,
    /// `$context.error.messageString`: the message wrapped in its own quotes.
    ErrorMessageString,
    ErrorResponseType,
    IntegrationError,
    XrayTraceId,
    EventType,
    ConnectionId,
    Stage,
    ApiId,
}

/// Every field, for tables indexed by field.
pub(crate) const FIELD_COUNT: usize = Field::ApiId as usize + 1;

/// The field a `$context` variable fills (`$context.` already removed), if the analysis reads
/// it. Equivalent variables (AWS documents several pairs) map to the same field.
pub(crate) fn field_of_variable(variable: &str) -> Option<Field> {
    Some(match variable {
        "requestId" => Field::RequestId,
        "extendedRequestId" => Field::ExtendedRequestId,
        "requestTime" => Field::RequestTime,
        "requestTimeEpoch" => Field::RequestTimeEpoch,
        "httpMethod" => Field::HttpMethod,
        "resourcePath" => Field::ResourcePath,
        "routeKey" => Field::RouteKey,
        "path" => Field::Path,
        "status" => Field::Status,
        "responseLength" => Field::ResponseLength,
        "responseLatency" => Field::ResponseLatency,
        "integrationLatency" | "integration.latency" => Field::IntegrationLatency,
        "integration.status" | "integrationStatus" | "integration.integrationStatus" => {
            Field::IntegrationStatus
        }
        "integration.requestId" | "awsEndpointRequestId" => Field::IntegrationRequestId,
        "error.message" => Field::ErrorMessage,
        "error.messageString" => Field::ErrorMessageString,
        "error.responseType" => Field::ErrorResponseType,
        "integrationErrorMessage" | "integration.error" => Field::IntegrationError,
        "xrayTraceId" => Field::XrayTraceId,
        "eventType" => Field::EventType,
        "connectionId" => Field::ConnectionId,
        "stage" => Field::Stage,
        "apiId" => Field::ApiId,
        _ => return None,
    })
}

/// The field a name in a log record stands for, when no template says. `name` is the key
/// (for nested JSON, the keys on the way joined) lowercased with everything but letters and
/// digits removed, so `integrationLatency`, `integration.latency`, `integration_latency` and
/// `{"integration":{"latency":..}}` all arrive as `integrationlatency`.
pub(crate) fn field_of_name(name: &[u8]) -> Option<Field> {
    Some(match name {
        b"requestid" | b"requestrequestid" => Field::RequestId,
        b"extendedrequestid" => Field::ExtendedRequestId,
        b"requesttime" | b"time" => Field::RequestTime,
        b"requesttimeepoch" | b"timeepoch" => Field::RequestTimeEpoch,
        b"httpmethod" | b"method" | b"requestmethod" | b"requesthttpmethod" => Field::HttpMethod,
        b"resourcepath" | b"requestresourcepath" | b"resource" => Field::ResourcePath,
        b"routekey" | b"requestroutekey" | b"route" => Field::RouteKey,
        b"path" | b"requestpath" => Field::Path,
        b"status" | b"statuscode" | b"responsestatus" | b"httpstatus" | b"responsestatuscode" => {
            Field::Status
        }
        b"responselength" | b"responsebytes" => Field::ResponseLength,
        b"responselatency" | b"latency" | b"requestlatency" => Field::ResponseLatency,
        b"integrationlatency" => Field::IntegrationLatency,
        b"integrationstatus" | b"integrationintegrationstatus" => Field::IntegrationStatus,
        b"integrationrequestid" | b"awsendpointrequestid" => Field::IntegrationRequestId,
        b"errormessage" | b"errormsg" | b"error" => Field::ErrorMessage,
        b"errormessagestring" => Field::ErrorMessageString,
        b"errorresponsetype" | b"responsetype" | b"errortype" => Field::ErrorResponseType,
        b"integrationerrormessage" | b"integrationerror" => Field::IntegrationError,
        b"xraytraceid" | b"traceid" => Field::XrayTraceId,
        b"eventtype" => Field::EventType,
        b"connectionid" => Field::ConnectionId,
        b"stage" => Field::Stage,
        b"apiid" => Field::ApiId,
        _ => return None,
    })
}

/// Lowercases `name` into `out`, keeping letters and digits only; false if it does not fit.
pub(crate) fn normalize_name(name: &[u8], out: &mut NameBuffer) -> bool {
    for &byte in name {
        if byte.is_ascii_alphanumeric() && !out.push(byte.to_ascii_lowercase()) {
            return false;
        }
    }
    true
}

/// A fixed buffer for normalized names: no allocation per key.
pub(crate) struct NameBuffer {
    bytes: [u8; 64],
    len: usize,
}

impl NameBuffer {
    pub(crate) fn new() -> Self {
        NameBuffer {
            bytes: [0; 64],
            len: 0,
        }
    }
    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
    fn push(&mut self, byte: u8) -> bool {
        if self.len == self.bytes.len() {
            return false;
        }
        self.bytes[self.len] = byte;
        self.len += 1;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(name: &str) -> Option<Field> {
        let mut buffer = NameBuffer::new();
        assert!(normalize_name(name.as_bytes(), &mut buffer));
        field_of_name(buffer.as_bytes())
    }

    #[test]
    fn spellings_of_one_variable_meet() {
        for name in [
            "integrationLatency",
            "integration.latency",
            "integration_latency",
        ] {
            assert_eq!(field(name), Some(Field::IntegrationLatency), "{name}");
        }
        assert_eq!(field("error_responseType"), Some(Field::ErrorResponseType));
        assert_eq!(field("response.latency"), Some(Field::ResponseLatency));
        assert_eq!(
            field("awsEndpointRequestId"),
            Some(Field::IntegrationRequestId)
        );
        assert_eq!(field("userAgent"), None);
    }

    #[test]
    fn variables_documented_as_equivalent_fill_one_field() {
        assert_eq!(
            field_of_variable("integration.status"),
            field_of_variable("integrationStatus")
        );
        assert_eq!(
            field_of_variable("integration.requestId"),
            field_of_variable("awsEndpointRequestId")
        );
        assert_eq!(field_of_variable("identity.userAgent"), None);
    }
}
