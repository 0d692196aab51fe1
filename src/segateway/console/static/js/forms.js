// Forms generated from the catalog (GET /console/catalog.json): one input per parameter, typed
// by the catalog's type, with the spec note as help text; and the XML (RCI) form of a request.

import { el } from "./dom.js";

export class FormError extends Error {
  constructor(problems) {
    super(`fix the form: ${problems.join("; ")}`);
    this.name = "FormError";
    this.problems = problems;
  }
}

const SIMPLE_LABELS = { int: "int", float: "float", bool: "bool", string: "string", MAC: "MAC",
  base16: "base16", xml: "xml", none: "none" };

const isJsonKind = (kind) => kind === "list" || kind === "dict" || kind === "any";

let serial = 0;

/**
 * Build inputs for `fields` (catalog field descriptions). `values` prefills inputs. Returns
 * {node, read}: read() gives the parameters (empty optional inputs left out) or throws FormError.
 */
export function buildFields(fields, catalog, { values = {}, prefix = "" } = {}) {
  const readers = [];
  const rows = [];
  for (const field of fields) {
    if (field.response_only) continue;
    const built = buildField(field, catalog, values[field.name], prefix);
    rows.push(built.node);
    readers.push([field, built.read]);
  }
  const read = () => {
    const out = {};
    const problems = [];
    for (const [field, reader] of readers) {
      try {
        const value = reader();
        if (value !== undefined) out[field.name] = value;
        else if (field.required) problems.push(`${prefix}${field.name} is required`);
      } catch (error) {
        if (error instanceof FormError) problems.push(...error.problems);
        else problems.push(`${prefix}${field.name}: ${error.message}`);
      }
    }
    if (problems.length) throw new FormError(problems);
    return out;
  };
  return { node: el("div", { class: "fields" }, rows), read };
}

function typeLabel(type) {
  if (type.kind === "record") return type.record;
  return type.label || SIMPLE_LABELS[type.kind] || type.kind;
}

function buildField(field, catalog, value, prefix) {
  const type = field.type;
  const id = `f${++serial}`;
  const path = `${prefix}${field.name}`;
  const help = [field.doc];
  if (field.default !== undefined) help.push(`Default: ${JSON.stringify(field.default)}.`);
  const label = el("label", { for: id },
    el("span", { class: "name" }, field.name), field.required ? el("span", { class: "req", title: "required" }, "*") : null,
    el("span", { class: "type" }, typeLabel(type)));
  const helpNode = el("small", { class: "help" }, help.join(" "));

  if (type.kind === "record") {
    const record = catalog.records[type.record];
    const inner = buildFields(record.fields, catalog, { values: value || {}, prefix: `${path}.` });
    const include = field.required
      ? null
      : el("input", { type: "checkbox", id, checked: value !== undefined, "data-param": path });
    const body = el("div", { class: "record-body" }, inner.node);
    return {
      node: el("fieldset", { class: "record", "data-param": path },
        el("legend", {}, include, el("span", { class: "name" }, field.name),
          field.required ? el("span", { class: "req" }, "*") : null,
          el("span", { class: "type" }, type.record)),
        helpNode, el("small", { class: "help" }, record.doc), body),
      read: () => (include && !include.checked ? undefined : inner.read()),
    };
  }

  let input;
  let parse;
  if (type.kind === "bool") {
    input = el("select", { id, name: path, "data-param": path },
      el("option", { value: "" }, field.required ? "choose" : "— (default)"),
      el("option", { value: "true" }, "TRUE"), el("option", { value: "false" }, "FALSE"));
    if (value !== undefined) input.value = String(value);
    parse = (text) => text === "true";
  } else if (isJsonKind(type.kind) || type.kind === "xml") {
    input = el("textarea", { id, name: path, rows: 3, "data-param": path,
      placeholder: type.kind === "xml" ? "<xml/>" : "JSON, e.g. [] or {}" });
    if (value !== undefined) input.value = type.kind === "xml" ? value : JSON.stringify(value);
    parse = type.kind === "xml" ? (text) => text : (text) => JSON.parse(text);
  } else {
    input = el("input", { id, name: path, type: "text", "data-param": path, autocomplete: "off",
      spellcheck: "false", placeholder: placeholder(type, field) });
    if (value !== undefined) input.value = String(value);
    parse = (text) => parseScalar(type, text);
  }
  return {
    node: el("div", { class: "field" }, label, input, helpNode),
    read: () => {
      const text = input.value.trim();
      if (text === "") return undefined;
      try {
        return parse(text);
      } catch (error) {
        throw new FormError([`${path}: ${error.message}`]);
      }
    },
  };
}

function placeholder(type, field) {
  if (field.default !== undefined) return String(field.default);
  switch (type.kind) {
    case "MAC": return type.bits === 16 ? "00:00" : "00:12:4B:00:00:00:00:00";
    case "int": return "decimal or 0x…";
    case "base16": return "hex bytes";
    default: return "";
  }
}

/** A text input's value as the catalog type wants it. */
export function parseScalar(type, text) {
  switch (type.kind) {
    case "int": {
      if (!/^[-+]?(0x[0-9a-f]+|\d+)$/i.test(text)) throw new Error("not an integer");
      const negative = text.startsWith("-");
      const digits = text.replace(/^[-+]/, "");
      const value = Number(digits.toLowerCase().startsWith("0x") ? BigInt(digits) : digits) * (negative ? -1 : 1);
      if (type.low !== undefined && value < type.low) throw new Error(`at least ${type.low}`);
      if (type.high !== undefined && value > type.high) throw new Error(`at most ${type.high}`);
      return value;
    }
    case "float": {
      const value = Number(text);
      if (Number.isNaN(value)) throw new Error("not a number");
      return value;
    }
    case "union": {
      // several types accepted (an int or base16 key, base16 or a string): numbers stay numbers
      if (/^-?\d+$/.test(text) && type.options.some((o) => o.kind === "int")) return Number(text);
      return text;
    }
    default:
      return text;
  }
}

// --- XML (RCI) ---------------------------------------------------------------------------

const escapeXml = (text) => String(text).replace(/[<>&"']/g, (c) =>
  ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&apos;" })[c]);

function xmlTypeOf(type, value) {
  switch (type && type.kind) {
    case "int": return "int";
    case "float": return "float";
    case "bool": return "bool";
    case "string": return "string";
    case "MAC": return "MAC";
    case "base16": return "base16";
    case "xml": return "xml";
    case "record": return type.record;
    case "list": return "list";
    case "dict": return "dict";
    default:
      if (typeof value === "boolean") return "bool";
      if (typeof value === "number") return Number.isInteger(value) ? "int" : "float";
      if (Array.isArray(value)) return "list";
      if (value !== null && typeof value === "object") return "dict";
      if (value === null) return "none";
      if (type && type.kind === "union" && type.options.some((o) => o.kind === "base16")
        && /^([0-9a-f]{2})+$/i.test(String(value))) return "base16";
      return "string";
  }
}

function xmlValue(name, type, value, catalog, indent) {
  const tag = xmlTypeOf(type, value);
  const pad = "  ".repeat(indent);
  if (tag === "none") return `${pad}<${name} type="none"/>`;
  if (tag === "xml") return `${pad}<${name} type="xml">${value}</${name}>`;
  if (tag === "bool") return `${pad}<${name} type="bool">${value ? "TRUE" : "FALSE"}</${name}>`;
  if (tag === "list") {
    const item = type && type.item;
    const items = value.map((v) => xmlValue("item", item, v, catalog, indent + 1));
    return `${pad}<${name} type="list">\n${items.join("\n")}\n${pad}</${name}>`;
  }
  if (tag === "dict") {
    const item = type && type.item;
    const entries = Object.entries(value).map(([k, v]) => xmlValue(k, item, v, catalog, indent + 1));
    return `${pad}<${name} type="dict">\n${entries.join("\n")}\n${pad}</${name}>`;
  }
  if (type && type.kind === "record") {
    const fields = catalog.records[type.record].fields;
    const inner = xmlParams(value, fields, catalog, indent + 1);
    return `${pad}<${name} type="${tag}">\n${inner}\n${pad}</${name}>`;
  }
  return `${pad}<${name} type="${tag}">${escapeXml(value)}</${name}>`;
}

function xmlParams(params, fields, catalog, indent) {
  const byName = Object.fromEntries(fields.map((f) => [f.name, f]));
  return Object.entries(params)
    .map(([name, value]) => xmlValue(name, byName[name] && byName[name].type, value, catalog, indent))
    .join("\n");
}

/** The RCI request (rci_request / do_command target="RPC_request") for one request. */
export function requestXml(spec, params, catalog, { synchronous = true } = {}) {
  const attrs = synchronous ? ' synchronous="TRUE"' : "";
  const inner = xmlParams(params, spec.params, catalog, 3);
  const body = inner ? `>\n${inner}\n      </${spec.name}>` : "/>";
  return `<rci_request version="1.1">\n  <do_command target="RPC_request">\n      <${spec.name}${attrs}${body}\n  </do_command>\n</rci_request>`;
}
