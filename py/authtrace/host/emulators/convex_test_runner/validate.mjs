// Argument and return-value validation with the Convex backend's wording.
//
// convex-test validates too, but words its errors its own way ("Validator
// error: Expected `number`, got `x`"); an app that shows or matches the real
// messages must see what a deployment sends. The rules and the texts follow the
// backend's `Validator::check_value` and `ValidationError` (crates/common/src/
// schemas/validator.rs): fields are checked in name order, then extra fields;
// a union fails as a whole; the context is the path into the value. Values and
// validators are printed as the backend's `Display` does (`1.0`, `"x"`,
// `{a: 1.0}`, `v.float64()`, `v.object({a: v.optional(v.string())})`).

const isPlainObject = (v) =>
  v !== null && typeof v === "object" && !Array.isArray(v) && !(v instanceof ArrayBuffer);

// convex-test's ids are a zero-padded counter followed by the table name.
export function tableOfId(id) {
  const m = typeof id === "string" ? /^\d+([A-Za-z_][A-Za-z0-9_]*)$/.exec(id) : null;
  return m ? m[1] : null;
}

function showFloat(n) {
  if (Number.isNaN(n)) return "NaN";
  if (!Number.isFinite(n)) return n > 0 ? "inf" : "-inf";
  if (Object.is(n, -0)) return "-0.0";
  if (Number.isInteger(n) && Math.abs(n) < 1e16) return `${n}.0`;
  return String(n).replace("e+", "e");
}

export function showValue(v) {
  if (v === null) return "null";
  if (typeof v === "bigint") return v.toString();
  if (typeof v === "number") return showFloat(v);
  if (typeof v === "boolean") return String(v);
  if (typeof v === "string") return JSON.stringify(v);
  if (v instanceof ArrayBuffer) return `b"${Buffer.from(v).toString("base64")}"`;
  if (Array.isArray(v)) return `[${v.map(showValue).join(", ")}]`;
  if (isPlainObject(v)) {
    return `{${Object.keys(v).sort().map((k) => `${k}: ${showValue(v[k])}`).join(", ")}}`;
  }
  return String(v);
}

function showLiteral(json) {
  if (json !== null && typeof json === "object" && "$integer" in json) return "<bigint>";
  if (typeof json === "number" && !Number.isFinite(json)) return "<number>";
  return JSON.stringify(json);
}

function showField(field) {
  const inner = showValidator(field.fieldType);
  return field.optional ? `v.optional(${inner})` : inner;
}

export function showValidator(v) {
  switch (v.type) {
    case "id": return `v.id(${JSON.stringify(v.tableName)})`;
    case "null": return "v.null()";
    case "number": return "v.float64()";
    case "bigint": return "v.int64()";
    case "boolean": return "v.boolean()";
    case "string": return "v.string()";
    case "bytes": return "v.bytes()";
    case "any": return "v.any()";
    case "literal": return `v.literal(${showLiteral(v.value)})`;
    case "array": return `v.array(${showValidator(v.value)})`;
    case "record": return `v.record(${showValidator(v.keys)}, ${showValidator(v.values.fieldType)})`;
    case "object":
      return `v.object({${Object.keys(v.value).sort().map((k) => `${k}: ${showField(v.value[k])}`).join(", ")}})`;
    case "union": return `v.union(${v.value.map(showValidator).join(", ")})`;
    default: return `v.${v.type}()`;
  }
}

const where = (context) => (context ? `Path: ${context}` : "");

function noMatch(value, validator, context) {
  return `Value does not match validator.\n${where(context)}\nValue: ${showValue(value)}\nValidator: ${showValidator(validator)}`;
}

function sameLiteral(value, literal) {
  if (typeof literal === "bigint" || typeof value === "bigint") return typeof value === typeof literal && value === literal;
  return Object.is(value, literal);
}

/** The backend's message for `value` against `validator` (validator JSON), or null when it matches. */
export function check(validator, value, context = "", jsonToConvex = (x) => x) {
  switch (validator.type) {
    case "any":
      return null;
    case "id": {
      if (typeof value !== "string" || tableOfId(value) === null) return noMatch(value, validator, context);
      const table = tableOfId(value);
      if (table !== validator.tableName) {
        const kind = table.startsWith("_") ? "a system table" : `table \`${table}\``;
        return `Found ID ${JSON.stringify(value)} from ${kind}, which does not match the table name in validator ` +
          `\`v.id(${JSON.stringify(validator.tableName)})\`.${where(context)}`;
      }
      return null;
    }
    case "null": return value === null ? null : noMatch(value, validator, context);
    case "number": return typeof value === "number" ? null : noMatch(value, validator, context);
    case "bigint": return typeof value === "bigint" ? null : noMatch(value, validator, context);
    case "boolean": return typeof value === "boolean" ? null : noMatch(value, validator, context);
    case "string": return typeof value === "string" ? null : noMatch(value, validator, context);
    case "bytes": return value instanceof ArrayBuffer ? null : noMatch(value, validator, context);
    case "literal": {
      const literal = jsonToConvex(validator.value);
      if (sameLiteral(value, literal)) return null;
      return `\`${showValue(value)}\` does not match literal validator \`v.literal(${showLiteral(validator.value)})\`.${where(context)}`;
    }
    case "array": {
      if (!Array.isArray(value)) return noMatch(value, validator, context);
      for (let i = 0; i < value.length; i++) {
        const problem = check(validator.value, value[i], `${context}[${i}]`, jsonToConvex);
        if (problem) return problem;
      }
      return null;
    }
    case "record": {
      if (!isPlainObject(value)) return noMatch(value, validator, context);
      for (const key of Object.keys(value).sort()) {
        const problem = check(validator.keys, key, `${context}.keys()`, jsonToConvex)
          || check(validator.values.fieldType, value[key], `${context}.values()`, jsonToConvex);
        if (problem) return problem;
      }
      return null;
    }
    case "object": {
      if (!isPlainObject(value)) return noMatch(value, validator, context);
      const fields = validator.value;
      for (const name of Object.keys(fields).sort()) {
        if (Object.hasOwn(value, name) && value[name] !== undefined) {
          const problem = check(fields[name].fieldType, value[name], `${context}.${name}`, jsonToConvex);
          if (problem) return problem;
        } else if (!fields[name].optional) {
          return `Object is missing the required field \`${name}\`. Consider wrapping the field validator in ` +
            `\`v.optional(...)\` if this is expected.\n${where(context)}\nObject: ${showValue(value)}\nValidator: ${showValidator(validator)}`;
        }
      }
      for (const name of Object.keys(value).sort()) {
        if (!Object.hasOwn(fields, name)) {
          return `Object contains extra field \`${name}\` that is not in the validator.\n${where(context)}\n` +
            `Object: ${showValue(value)}\nValidator: ${showValidator(validator)}`;
        }
      }
      return null;
    }
    case "union": {
      if (validator.value.length === 1) return check(validator.value[0], value, context, jsonToConvex);
      if (validator.value.some((v) => check(v, value, context, jsonToConvex) === null)) return null;
      return noMatch(value, validator, context);
    }
    default:
      return null; // a validator this backend version does not know is not ours to refuse
  }
}
