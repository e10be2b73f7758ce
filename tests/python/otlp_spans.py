"""Flattens what an exporter receives (OTLP protobuf, decoded by ``patter.observability.decode_spans``
into the canonical OTLP-JSON shape) into one plain object per span, for assertions."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Dict, List, Optional

from patter.observability import decode_spans

_STATUS = {0: "UNSET", 1: "OK", 2: "ERROR", "STATUS_CODE_UNSET": "UNSET", "STATUS_CODE_OK": "OK",
           "STATUS_CODE_ERROR": "ERROR"}


@dataclass
class Span:
    """One span of a batch, with plain Python values."""

    name: str
    trace_id: str
    span_id: str
    parent_span_id: Optional[str]
    attributes: Dict[str, Any]
    start_time: int
    end_time: int
    status_code: str
    status_description: str
    resource: Dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> Dict[str, Any]:
        return asdict(self)


def value(v: Dict[str, Any]) -> Any:
    """An OTLP-JSON ``AnyValue`` as a Python value (int64 travels as a string in OTLP-JSON)."""
    if "stringValue" in v:
        return v["stringValue"]
    if "intValue" in v:
        return int(v["intValue"])
    if "doubleValue" in v:
        return float(v["doubleValue"])
    if "boolValue" in v:
        return v["boolValue"]
    if "arrayValue" in v:
        return [value(x) for x in v["arrayValue"].get("values", [])]
    return None


def attributes(kvs: List[Dict[str, Any]]) -> Dict[str, Any]:
    return {kv["key"]: value(kv.get("value", {})) for kv in kvs or []}


def flatten(batch: bytes) -> List[Span]:
    """Every span of an exporter's batch."""
    out = []
    for rs in decode_spans(batch).get("resourceSpans", []):
        resource = attributes(rs.get("resource", {}).get("attributes", []))
        for ss in rs.get("scopeSpans", []):
            for s in ss.get("spans", []):
                status = s.get("status") or {}
                out.append(Span(
                    name=s["name"],
                    trace_id=s["traceId"],
                    span_id=s["spanId"],
                    parent_span_id=s.get("parentSpanId") or None,
                    attributes=attributes(s.get("attributes", [])),
                    start_time=int(s["startTimeUnixNano"]),
                    end_time=int(s["endTimeUnixNano"]),
                    status_code=_STATUS.get(status.get("code", 0), "UNSET"),
                    status_description=status.get("message", ""),
                    resource=resource,
                ))
    return out
