// The OpenAPI 3 document, generated from the route table so that it cannot
// drift from what the server does; plus /openapi.json and /docs.
#include "http/api_error.hpp"
#include "http/routes/routes.hpp"

#include <boost/json.hpp>

#include <algorithm>

namespace delta::http {

namespace json = boost::json;

namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

json::object error_schema() {
  return json::object{
      {"type", "object"},
      {"properties",
       json::object{{"error", json::object{{"type", "object"},
                                           {"properties", json::object{
                                                              {"code", {{"type", "string"}}},
                                                              {"message", {{"type", "string"}}},
                                                              {"details", json::object{}},
                                                              {"request_id", {{"type", "string"}}},
                                                          }}}}}}};
}

std::string description_of(int status) {
  switch (status) {
    case 101: return "Switching Protocols: the WebSocket is open";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 400: return "bad_request: malformed JSON or wrong type";
    case 401: return "unauthorized";
    case 403: return "forbidden / not_entitled / limit_reached";
    case 404: return "not_found";
    case 409: return "conflict";
    case 413: return "payload_too_large";
    case 415: return "unsupported_media_type";
    case 422: return "validation_failed: details lists {field, problem}";
    case 429: return "rate_limited (Retry-After)";
    case 503: return "unavailable: a dependency is down";
  }
  return "";
}

// A list's page (API.md "Conventions"): data is an array, meta carries the
// paging figures, links.next is there while items remain.
json::object page_schema() {
  auto integer = json::object{{"type", "integer"}};
  auto text = json::object{{"type", "string"}};
  return json::object{
      {"type", "object"},
      {"required", json::array{"data", "meta"}},
      {"properties",
       json::object{{"data", json::object{{"type", "array"}, {"items", json::object{}}}},
                    {"meta", json::object{{"type", "object"},
                                          {"required", json::array{"request_id", "timestamp", "total", "limit", "offset"}},
                                          {"properties", json::object{{"request_id", text},
                                                                      {"timestamp", text},
                                                                      {"total", integer},
                                                                      {"limit", integer},
                                                                      {"offset", integer}}}}},
                    {"links", json::object{{"type", "object"}, {"properties", json::object{{"next", text}}}}}}}};
}

// Every list takes limit and offset; a bad one is 422.
std::vector<param_doc> params_of(const route& r) {
  auto params = r.params;
  if (r.list) {
    params.push_back({"limit", "query", "integer", "page size, 1..1000 (default 50)"});
    params.push_back({"offset", "query", "integer", "items to skip, >= 0 (default 0)"});
  }
  return params;
}

json::object operation(const route& r) {
  json::object op;
  op["summary"] = r.summary;
  op["tags"] = json::array{json::value(r.tag)};
  op["operationId"] = lower(r.method) + r.pattern;
  json::array params;
  for (auto& p : params_of(r))
    params.push_back(json::object{{"name", p.name},
                                  {"in", p.in},
                                  {"required", p.required || p.in == "path"},
                                  {"description", p.description},
                                  {"schema", json::object{{"type", p.type}}}});
  if (!params.empty()) op["parameters"] = std::move(params);
  if (r.body == body_kind::json)
    op["requestBody"] = json::object{
        {"required", true},
        {"content", json::object{{"application/json", json::object{{"schema", json::object{{"type", "object"}}}}}}}};
  if (r.auth != auth_mode::none)
    op["security"] = json::array{json::object{{"bearer", json::array{}}},
                                 json::object{{"api_key", json::array{}}}};
  json::object responses;
  for (int status : answers_of(r)) {
    json::object resp{{"description", description_of(status)}};
    if (status == 200 && r.list)
      resp["content"] = json::object{{"application/json", json::object{{"schema", page_schema()}}}};
    if (status >= 400)
      resp["content"] = json::object{
          {"application/json", json::object{{"schema", json::object{{"$ref", "#/components/schemas/Error"}}}}}};
    responses[std::to_string(status)] = std::move(resp);
  }
  op["responses"] = std::move(responses);
  return op;
}

}  // namespace

std::string openapi_document(const router& r) {
  json::object paths;
  for (auto& rt : r.routes()) {
    auto& item = paths[rt->pattern];
    if (!item.is_object()) item = json::object{};
    item.as_object()[lower(rt->method)] = operation(*rt);
  }
  json::object doc{
      {"openapi", "3.0.3"},
      {"info", json::object{{"title", "Delta API"}, {"version", "2.0.0"},
                            {"description", "LLM-assisted trading-signal platform. Errors use "
                                            "{error:{code,message,details,request_id}}."}}},
      {"paths", std::move(paths)},
      {"components",
       json::object{{"schemas", json::object{{"Error", error_schema()}}},
                    {"securitySchemes",
                     json::object{{"bearer", json::object{{"type", "http"}, {"scheme", "bearer"}}},
                                  {"api_key", json::object{{"type", "apiKey"},
                                                           {"in", "header"},
                                                           {"name", "X-API-Key"}}}}}}}};
  return json::serialize(doc);
}

namespace {

// Self-contained (no CDN: deltad runs offline): fetches /openapi.json and
// lists every operation with its parameters and answers.
constexpr const char* docs_page = R"html(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Delta API</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;max-width:60em}
.op{border:1px solid #ccc;border-radius:4px;margin:.5em 0;padding:.5em}
.m{display:inline-block;width:5em;font-weight:bold}.p{color:#555}</style></head>
<body><h1>Delta API</h1><p>The machine-readable document is <a href="/openapi.json">/openapi.json</a>.</p>
<div id="ops">Loading...</div>
<script>
fetch('/openapi.json').then(r=>r.json()).then(doc=>{
  const out=[];
  for(const [path,item] of Object.entries(doc.paths)){
    for(const [method,op] of Object.entries(item)){
      const params=(op.parameters||[]).map(p=>p.name+' ('+p.in+')').join(', ');
      const answers=Object.keys(op.responses||{}).join(' ');
      out.push('<div class="op"><span class="m">'+method.toUpperCase()+'</span><code>'+path+
        '</code> '+op.summary+'<div class="p">'+(params?'parameters: '+params+'; ':'')+'answers: '+answers+'</div></div>');
    }
  }
  document.getElementById('ops').innerHTML=out.join('');
});
</script></body></html>)html";

}  // namespace

void add_document_routes(router& r) {
  auto document = std::make_shared<std::string>();
  r.get("/openapi.json")
      .summary("This OpenAPI 3 document", "operations")
      .answers({200})
      .inline_answer([document](const request&, const path_params&) {
        return response{200, *document, "application/json", {}};
      });
  r.get("/docs")
      .summary("A page that renders the OpenAPI document", "operations")
      .answers({200})
      .inline_answer([](const request&, const path_params&) {
        return response{200, docs_page, "text/html; charset=utf-8", {}};
      });
  *document = openapi_document(r);  // after the last route, so it lists all of them
}

}  // namespace delta::http
