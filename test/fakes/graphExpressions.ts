// Entra's attribute-mapping expression language, as far as the documents describe it: a parser that
// turns an expression into the attributeMappingSource tree Graph's parseExpression returns (F4), the
// canonical (re-spaced) text of that tree, and a small evaluator for parseExpression's test input.
//
// Syntax (functions reference, FUNCTION_REFERENCE_SOURCE): function calls `Name(arg, …)`, attributes
// in square brackets, string constants in double quotes with backslash escapes for `\` and `"`,
// nesting. Blank optional arguments (`Replace([x], "-", , , "_", , )`) are allowed and are absent from
// the tree (F3). Bare numbers (Mid's `1, 8`) become Constants whose expression is the quoted literal
// (F3, MID_SOURCE). The comparison operators of IIF's condition are in the reference too; how Graph's
// tree represents them is in no sample (see `compare` below).
import type * as MSGraph from "@microsoft/microsoft-graph-types";
import { DOCUMENTED_FUNCTION_PARAMETERS } from "./graphDocs";

export type Ast =
  | { kind: "attribute"; name: string }
  | { kind: "string"; value: string }
  | { kind: "number"; text: string }
  | { kind: "call"; name: string; args: (Ast | null)[] }
  | { kind: "compare"; op: ComparisonOperator; left: Ast; right: Ast };

export type ComparisonOperator = "=" | "<>" | ">" | ">=" | "<" | "<=";

export class ExpressionError extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(message);
  }
}

// ---- function catalogue ---------------------------------------------------------------------------

export interface ParameterSpec {
  name: string;
  required: boolean;
  repeating: boolean;
}

export interface FunctionSpec {
  /** "functions-list": names from Graph's own GET …/schema/functions sample (the tree's real keys);
   *  "reference": guess: names from the user-facing functions reference, which for Replace differs
   *  from the tree (oldValue vs Find), so these keys may be wrong. */
  origin: "functions-list" | "reference";
  parameters: readonly ParameterSpec[];
}

const p = (name: string, required = true, repeating = false): ParameterSpec => ({
  name,
  required,
  repeating,
});

/** guess: parameter names of functions Graph's functions sample does not list, from the reference's
 *  parameter tables (required/optional as printed there). */
const REFERENCE_FUNCTIONS: Record<string, readonly ParameterSpec[]> = {
  AppRoleAssignmentsComplex: [p("source")],
  BitAnd: [p("value1"), p("value2")],
  CBool: [p("Expression")],
  CDate: [p("Expression")],
  // Coalesce(source1, …, sourceN, defaultValue): the trailing default cannot be told from a source
  // by position, so every argument is keyed "source" (guess).
  Coalesce: [p("source", true, true)],
  ConvertToBase64: [p("source")],
  ConvertToUTF8Hex: [p("source")],
  Count: [p("attribute")],
  CStr: [p("value")],
  DateAdd: [p("interval"), p("value"), p("dateTime")],
  DateDiff: [p("interval"), p("date1"), p("date2")],
  DateFromNum: [p("value")],
  Guid: [],
  IgnoreFlowIfNullOrEmpty: [p("Expression")],
  IIF: [p("condition"), p("valueIfTrue"), p("valueIfFalse")],
  InStr: [p("value1"), p("value2"), p("start", false), p("compareType", false)],
  IsNull: [p("Expression")],
  IsNullOrEmpty: [p("Expression")],
  IsPresent: [p("Expression")],
  IsString: [p("Expression")],
  Item: [p("attribute"), p("index")],
  Left: [p("String"), p("NumChars")],
  NormalizeDiacritics: [p("source")],
  Now: [],
  NumFromDate: [p("value")],
  PCase: [p("source"), p("wordSeparators", false)],
  RandomString: [
    p("Length"),
    p("MinimumNumbers"),
    p("MinimumSpecialCharacters"),
    p("MinimumCapital"),
    p("MinimumLowerCase"),
    p("CharactersToAvoid", false),
  ],
  Redact: [p("source")],
  RemoveDuplicates: [p("attribute")],
  SelectUniqueValue: [p("uniqueValueRule", true, true)],
  ToLower: [p("source"), p("culture", false)],
  ToUpper: [p("source"), p("culture", false)],
  Word: [p("String"), p("WordNumber"), p("Delimiters")],
};

/** Every function the fake's parser knows. Names are case-sensitive, as the reference says the
 *  syntax is. A name outside this catalogue fails to parse (there is no "Trim" in either source). */
export const FUNCTION_CATALOGUE: Readonly<Record<string, FunctionSpec>> = Object.freeze({
  ...Object.fromEntries(
    Object.entries(REFERENCE_FUNCTIONS).map(([name, parameters]) => [
      name,
      { origin: "reference" as const, parameters },
    ]),
  ),
  ...Object.fromEntries(
    Object.entries(DOCUMENTED_FUNCTION_PARAMETERS).map(([name, parameters]) => [
      name,
      { origin: "functions-list" as const, parameters },
    ]),
  ),
});

/** FormatDateTime: Graph's functions sample lists (source, inputFormat, outputFormat); today's
 *  reference adds an optional dateTimeStyles second (`FormatDateTime([x], , "in", "out")`). guess:
 *  four arguments use the reference's order, keyed "dateTimeStyles" for the second. */
const FORMAT_DATE_TIME_4: readonly ParameterSpec[] = [
  p("source"),
  p("dateTimeStyles", false),
  p("inputFormat"),
  p("outputFormat"),
];

function parametersFor(name: string, argc: number): readonly ParameterSpec[] | undefined {
  if (name === "FormatDateTime" && argc === 4) return FORMAT_DATE_TIME_4;
  return FUNCTION_CATALOGUE[name]?.parameters;
}

// ---- tokenizer and parser -------------------------------------------------------------------------

type Token =
  | { t: "attr"; value: string; at: number }
  | { t: "str"; value: string; at: number }
  | { t: "num"; value: string; at: number }
  | { t: "ident"; value: string; at: number }
  | { t: "op"; value: ComparisonOperator; at: number }
  | { t: "(" | ")" | ","; at: number }
  | { t: "end"; at: number };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const at = i;
    if (c === "[") {
      const close = text.indexOf("]", i + 1);
      if (close < 0) throw new ExpressionError("unterminated attribute reference", at);
      const name = text.slice(i + 1, close);
      if (name.trim() === "") throw new ExpressionError("empty attribute reference", at);
      tokens.push({ t: "attr", value: name, at });
      i = close + 1;
    } else if (c === '"') {
      let value = "";
      i++;
      for (;;) {
        if (i >= text.length) throw new ExpressionError("unterminated string constant", at);
        const d = text[i];
        if (d === "\\") {
          // The reference documents \\ and \" only. guess: any other escaped character is kept with
          // its backslash (regex patterns such as "\d" then survive).
          const next = text[i + 1];
          if (next === undefined) throw new ExpressionError("unterminated string constant", at);
          value += next === "\\" || next === '"' ? next : d + next;
          i += 2;
        } else if (d === '"') {
          i++;
          break;
        } else {
          value += d;
          i++;
        }
      }
      tokens.push({ t: "str", value, at });
    } else if (/[0-9]/.test(c) || (c === "-" && /[0-9]/.test(text[i + 1] ?? ""))) {
      const m = /^-?[0-9]+(\.[0-9]+)?/.exec(text.slice(i))!;
      tokens.push({ t: "num", value: m[0], at });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i))!;
      tokens.push({ t: "ident", value: m[0], at });
      i += m[0].length;
    } else if (c === "(" || c === ")" || c === ",") {
      tokens.push({ t: c, at });
      i++;
    } else if (c === "<" || c === ">" || c === "=") {
      const two = text.slice(i, i + 2);
      const op = (["<>", ">=", "<="] as const).find((o) => o === two) ?? (c as ComparisonOperator);
      tokens.push({ t: "op", value: op, at });
      i += op.length;
    } else {
      throw new ExpressionError(`unexpected character '${c}'`, at);
    }
  }
  tokens.push({ t: "end", at: text.length });
  return tokens;
}

/** Parses an expression; throws ExpressionError with the position of the first problem. Checks
 *  function names and arity against FUNCTION_CATALOGUE (guess: that Graph's parser rejects unknown
 *  names and wrong argument counts is not documented; no sample shows a failure). */
export function parseExpressionText(text: string): Ast {
  const tokens = tokenize(text);
  let k = 0;
  const peek = () => tokens[k];
  const expect = (t: Token["t"], what: string) => {
    const token = tokens[k];
    if (token.t !== t) throw new ExpressionError(`expected ${what}`, token.at);
    k++;
    return token;
  };

  const primary = (): Ast => {
    const token = tokens[k++];
    switch (token.t) {
      case "attr":
        return { kind: "attribute", name: token.value };
      case "str":
        return { kind: "string", value: token.value };
      case "num":
        return { kind: "number", text: token.value };
      case "ident": {
        if (peek().t !== "(") {
          throw new ExpressionError(
            `"${token.value}" is not followed by an argument list`,
            token.at,
          );
        }
        k++;
        const args: (Ast | null)[] = [];
        if (peek().t === ")") {
          k++;
        } else {
          for (;;) {
            const next = peek();
            args.push(next.t === "," || next.t === ")" ? null : expression());
            const sep = tokens[k++];
            if (sep.t === ")") break;
            if (sep.t !== ",") throw new ExpressionError("expected ',' or ')'", sep.at);
          }
        }
        checkCall(token.value, args, token.at);
        return { kind: "call", name: token.value, args };
      }
      case "end":
        throw new ExpressionError("unexpected end of expression", token.at);
      default:
        throw new ExpressionError(`unexpected '${tokenText(token)}'`, token.at);
    }
  };

  const expression = (): Ast => {
    const left = primary();
    const next = peek();
    if (next.t === "op") {
      k++;
      return { kind: "compare", op: next.value, left, right: primary() };
    }
    return left;
  };

  if (peek().t === "end") throw new ExpressionError("empty expression", 0);
  const ast = expression();
  expect("end", "end of expression");
  return ast;
}

function tokenText(token: Token): string {
  return "value" in token ? token.value : token.t;
}

function checkCall(name: string, args: (Ast | null)[], at: number): void {
  const params = parametersFor(name, args.length);
  if (!params) throw new ExpressionError(`unknown function "${name}"`, at);
  const repeatingAt = params.findIndex((q) => q.repeating);
  if (repeatingAt < 0 && args.length > params.length) {
    throw new ExpressionError(
      `${name} takes at most ${params.length} argument${params.length === 1 ? "" : "s"}`,
      at,
    );
  }
  params.forEach((q, i) => {
    if (!q.required) return;
    const given = q.repeating ? args.slice(i).some((a) => a !== null) : args[i] != null;
    if (!given) throw new ExpressionError(`${name}: required argument "${q.name}" is missing`, at);
  });
}

function keyOf(name: string, argc: number, index: number): string {
  const params = parametersFor(name, argc)!;
  if (index < params.length && !params[index].repeating) return params[index].name;
  const repeating = params.find((q) => q.repeating)!;
  return repeating.name;
}

// ---- tree and canonical text ----------------------------------------------------------------------

/** Quotes a string constant as the expression syntax writes it. */
export function quote(value: string): string {
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/** The expression text Graph gives back: arguments separated by ", ", blanks left empty (F4: the
 *  returned expression is re-spaced relative to the request). */
export function printExpression(ast: Ast): string {
  switch (ast.kind) {
    case "attribute":
      return `[${ast.name}]`;
    case "string":
      return quote(ast.value);
    case "number":
      return ast.text;
    case "call":
      return `${ast.name}(${ast.args.map((a) => (a ? printExpression(a) : "")).join(", ")})`;
    case "compare":
      // guess: how Graph spaces an operator is in no sample.
      return `${printExpression(ast.left)} ${ast.op} ${printExpression(ast.right)}`;
  }
}

/** The attributeMappingSource tree, key order as the samples print it (expression, name, parameters,
 *  type). [S36] PARSE_EXPRESSION_RESPONSE, F3 NOT_IS_SOFT_DELETED_SOURCE, MID_SOURCE. */
export function toSource(ast: Ast): MSGraph.AttributeMappingSource {
  switch (ast.kind) {
    case "attribute":
      return { expression: `[${ast.name}]`, name: ast.name, parameters: [], type: "Attribute" };
    case "string":
      return { expression: quote(ast.value), name: ast.value, parameters: [], type: "Constant" };
    case "number":
      return { expression: quote(ast.text), name: ast.text, parameters: [], type: "Constant" };
    case "call": {
      const parameters: MSGraph.StringKeyAttributeMappingSourceValuePair[] = [];
      ast.args.forEach((a, i) => {
        if (a) parameters.push({ key: keyOf(ast.name, ast.args.length, i), value: toSource(a) });
      });
      return { expression: printExpression(ast), name: ast.name, parameters, type: "Function" };
    }
    case "compare":
      // guess: no sample shows a parsed comparison; the fake models it as a Function named by its
      // operator with "left" and "right" parameters.
      return {
        expression: printExpression(ast),
        name: ast.op,
        parameters: [
          { key: "left", value: toSource(ast.left) },
          { key: "right", value: toSource(ast.right) },
        ],
        type: "Function",
      };
  }
}

/** Every attribute name an expression refers to, in order of appearance. */
export function referencedAttributes(ast: Ast): string[] {
  switch (ast.kind) {
    case "attribute":
      return [ast.name];
    case "call":
      return ast.args.flatMap((a) => (a ? referencedAttributes(a) : []));
    case "compare":
      return [...referencedAttributes(ast.left), ...referencedAttributes(ast.right)];
    default:
      return [];
  }
}

/** Whether the expression, once parsed, has a non-empty parameter tree (false for `Guid()`). */
export function hasArguments(ast: Ast): boolean {
  return ast.kind === "compare" || (ast.kind === "call" && ast.args.some((a) => a !== null));
}

// ---- evaluation ---------------------------------------------------------------------------------

export type Value = string | string[] | null;

export class UnsupportedEvaluation extends Error {}

export interface EvaluationContext {
  /** Attribute name → value(s) from testInputObject.properties; absent means null. */
  input: ReadonlyMap<string, Value>;
  newGuid: () => string;
  now: () => Date;
}

const TRUE = "True";
const FALSE = "False";
const truthy = (v: Value) => typeof v === "string" && v.toLowerCase() === "true";
const text = (v: Value): string | null => (Array.isArray(v) ? (v[0] ?? null) : v);
const isEmpty = (v: Value) => v === null || (Array.isArray(v) ? v.length === 0 : v === "");

/** Evaluates an expression as far as the functions reference describes it; functions whose result
 *  the fake cannot compute deterministically from the reference throw UnsupportedEvaluation. */
export function evaluate(ast: Ast, ctx: EvaluationContext): Value {
  switch (ast.kind) {
    case "attribute":
      return ctx.input.has(ast.name) ? ctx.input.get(ast.name)! : null;
    case "string":
      return ast.value;
    case "number":
      return ast.text;
    case "compare": {
      const l = text(evaluate(ast.left, ctx));
      const r = text(evaluate(ast.right, ctx));
      // The reference: a null or empty attribute makes the condition check fail.
      if (l === null || r === null || l === "") return FALSE;
      const nl = Number(l);
      const nr = Number(r);
      const numeric = l.trim() !== "" && r.trim() !== "" && !isNaN(nl) && !isNaN(nr);
      const cmp = numeric ? nl - nr : l < r ? -1 : l > r ? 1 : 0;
      const result = {
        "=": cmp === 0,
        "<>": cmp !== 0,
        ">": cmp > 0,
        ">=": cmp >= 0,
        "<": cmp < 0,
        "<=": cmp <= 0,
      }[ast.op];
      return result ? TRUE : FALSE;
    }
    case "call":
      return call(ast.name, ast.args, ctx);
  }
}

function call(name: string, args: (Ast | null)[], ctx: EvaluationContext): Value {
  const arg = (i: number): Value => (args[i] ? evaluate(args[i]!, ctx) : null);
  const str = (i: number): string | null => text(arg(i));
  switch (name) {
    case "Append": {
      const s = str(0);
      return s === null ? null : s + (str(1) ?? "");
    }
    case "Prepend": {
      const s = str(1);
      return s === null ? null : (str(0) ?? "") + s;
    }
    case "Join": {
      const separator = str(0) ?? "";
      const values = args
        .slice(1)
        .flatMap((a) => {
          const v = a ? evaluate(a, ctx) : null;
          return v === null ? [] : Array.isArray(v) ? v : [v];
        })
        .filter((v) => v !== "");
      return values.join(separator);
    }
    case "Mid": {
      const s = str(0);
      if (s === null) return null;
      const start = Number(str(1));
      const length = Number(str(2));
      return s.substr(Math.max(0, start - 1), Math.max(0, length));
    }
    case "Left": {
      const s = str(0);
      if (s === null) return "";
      const n = Number(str(1));
      return n < 0 ? s : s.slice(0, n);
    }
    case "Not":
      return truthy(arg(0)) ? FALSE : TRUE;
    case "IsPresent":
      return isEmpty(arg(0)) ? FALSE : TRUE;
    case "IsNullOrEmpty":
      return isEmpty(arg(0)) ? TRUE : FALSE;
    case "IsNull":
    case "IsNothing":
      return arg(0) === null ? TRUE : FALSE;
    case "ToLower": {
      const s = str(0);
      return s === null ? null : s.toLowerCase();
    }
    case "ToUpper": {
      const s = str(0);
      return s === null ? null : s.toUpperCase();
    }
    case "StripSpaces": {
      const s = str(0);
      return s === null ? null : s.replace(/ /g, "");
    }
    case "NormalizeDiacritics": {
      const s = str(0);
      return s === null ? null : s.normalize("NFD").replace(/\p{Diacritic}/gu, "");
    }
    case "Split": {
      const s = str(0);
      return s === null ? null : s.split(str(1) ?? ",");
    }
    case "Word": {
      const s = str(0);
      const n = Number(str(1));
      const delimiters = str(2) ?? " ";
      if (s === null || n < 1) return "";
      const words = s
        .split(new RegExp(`[${delimiters.replace(/[\\\]^-]/g, "\\$&")}]`))
        .filter((w) => w !== "");
      return words[n - 1] ?? "";
    }
    case "Coalesce": {
      for (let i = 0; i < args.length; i++) {
        const v = arg(i);
        if (v !== null) return v;
      }
      return null;
    }
    case "IIF":
      return truthy(arg(0)) ? arg(1) : arg(2);
    case "Switch": {
      const source = str(0);
      for (let i = 2; i + 1 < args.length; i += 2) {
        if (str(i) === source) return arg(i + 1);
      }
      return arg(1);
    }
    case "SingleAppRoleAssignment": {
      const v = arg(0);
      return Array.isArray(v) ? (v[0] ?? null) : v;
    }
    case "Count": {
      const v = arg(0);
      return String(v === null ? 0 : Array.isArray(v) ? v.length : 1);
    }
    case "Item": {
      const v = arg(0);
      const list = v === null ? [] : Array.isArray(v) ? v : [v];
      return list[Number(str(1)) - 1] ?? null;
    }
    case "CStr":
      return str(0);
    case "Guid":
      return ctx.newGuid();
    case "Replace":
      return replace(args, arg, str);
    default:
      throw new UnsupportedEvaluation(`the fake does not evaluate ${name}`);
  }
}

/** Replace, per the reference: Find+Replacement, Find+Template, RegularExpression(+GroupName)
 *  +Replacement, RegularExpression+GroupName+ReplacementPropertyName. */
function replace(
  args: (Ast | null)[],
  arg: (i: number) => Value,
  str: (i: number) => string | null,
): Value {
  const source = str(0);
  const find = args[1] ? str(1) : undefined;
  const pattern = args[2] ? str(2) : undefined;
  const group = args[3] ? str(3) : undefined;
  const replacement = args[4] ? (str(4) ?? "") : undefined;
  const template = args[6] ? str(6) : undefined;
  if (find !== undefined && find !== null && template !== undefined && template !== null) {
    return source === null ? null : template.split(find).join(source);
  }
  if (find !== undefined && find !== null && replacement !== undefined) {
    return source === null ? null : source.split(find).join(replacement);
  }
  if (pattern !== undefined && pattern !== null) {
    const regex = new RegExp(pattern, "g");
    if (group && args[5]) {
      if (source) return source;
      const other = text(arg(5));
      const m = other === null ? null : new RegExp(pattern).exec(other);
      return m?.groups?.[group] ?? null;
    }
    if (source === null || replacement === undefined) return source;
    if (group) {
      return source.replace(regex, (...m) => {
        const groups = m[m.length - 1] as Record<string, string> | undefined;
        const whole = m[0] as string;
        const g = groups?.[group];
        return g === undefined ? whole : whole.replace(g, replacement);
      });
    }
    // .NET writes named groups in a replacement as ${name}; JavaScript as $<name>.
    return source.replace(regex, replacement.replace(/\$\{(\w+)\}/g, "$<$1>"));
  }
  return source;
}
