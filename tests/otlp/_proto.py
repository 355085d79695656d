"""Parse OTLP/JSON with the official definitions (the ``opentelemetry-proto`` package).

OTLP/JSON is the protobuf JSON mapping except for trace and span ids, which are hex
rather than base64 (the Collector's decoder makes the same exception); they are turned
into base64 here and checked for their lengths. Unknown fields are an error."""

from __future__ import annotations

import base64
import json
from typing import Any

from google.protobuf import json_format
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

_IDS = {"traceId": 16, "spanId": 8, "parentSpanId": 8}


def _ids_to_base64(obj: Any) -> Any:
    if isinstance(obj, dict):
        out = {}
        for k, v in obj.items():
            if k in _IDS and isinstance(v, str) and v:
                raw = bytes.fromhex(v)  # ValueError: not hex
                assert len(raw) == _IDS[k], f"{k} of {len(raw)} bytes"
                out[k] = base64.b64encode(raw).decode()
            else:
                out[k] = _ids_to_base64(v)
        return out
    if isinstance(obj, list):
        return [_ids_to_base64(v) for v in obj]
    return obj


def parse(payload: str | dict) -> ExportLogsServiceRequest | ExportTraceServiceRequest:
    obj = json.loads(payload) if isinstance(payload, str) else payload
    message = ExportLogsServiceRequest() if "resourceLogs" in obj else ExportTraceServiceRequest()
    return json_format.Parse(json.dumps(_ids_to_base64(obj)), message, ignore_unknown_fields=False)
