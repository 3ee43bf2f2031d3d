// Planted secret values and every form in which a leak of one would show: as is, JSON-escaped,
// URL-encoded, hex, and base64 / base64url at each of the three byte alignments (a secret inside a
// larger base64 blob, e.g. "user:secret" in a Basic header, encodes differently per offset).

export interface PlantedSecret {
  /** Config key, e.g. adminPassword. */
  key: string;
  value: string;
}

/** Distinctive values that cannot occur by chance (and contain characters that need escaping). */
export function plantSecrets(stack: string, keys: readonly string[]): PlantedSecret[] {
  return keys.map((key) => ({
    key,
    value: `e2e+${stack}/${key}=PLANTED-${Math.random().toString(36).slice(2, 10)}`,
  }));
}

/** Substrings whose presence in a text means the secret leaked, with the name of the encoding. */
export function leakForms(secret: string): { form: string; text: string }[] {
  const forms: { form: string; text: string }[] = [
    { form: "plaintext", text: secret },
    { form: "JSON-escaped", text: JSON.stringify(secret).slice(1, -1) },
    { form: "URL-encoded", text: encodeURIComponent(secret) },
    { form: "form-encoded", text: new URLSearchParams({ x: secret }).toString().slice(2) },
    { form: "hex", text: Buffer.from(secret, "utf8").toString("hex") },
  ];
  for (let offset = 0; offset < 3; offset++) {
    const padded = Buffer.concat([Buffer.alloc(offset, 0x20), Buffer.from(secret, "utf8")]);
    for (const [form, encoding] of [
      ["base64", "base64"],
      ["base64url", "base64url"],
    ] as const) {
      const enc = padded.toString(encoding).replace(/=+$/, "");
      // Drop the characters that mix in the prefix bytes and the last, padding-dependent ones.
      const lead = Math.ceil((offset * 8) / 6);
      const stable = enc.slice(lead, enc.length - 3);
      if (stable.length >= 8) forms.push({ form: `${form} (offset ${offset})`, text: stable });
    }
  }
  // Unique texts only (plaintext and escaped forms coincide for simple values).
  const seen = new Set<string>();
  return forms.filter((f) => (seen.has(f.text) ? false : (seen.add(f.text), true)));
}

export interface Leak {
  key: string;
  form: string;
  where: string;
  context: string;
}

/** Every occurrence of any planted secret, in any form, in the given texts. */
export function findLeaks(
  secrets: PlantedSecret[],
  texts: { where: string; text: string }[],
): Leak[] {
  const leaks: Leak[] = [];
  for (const s of secrets) {
    for (const f of leakForms(s.value)) {
      for (const t of texts) {
        const at = t.text.indexOf(f.text);
        if (at >= 0) {
          leaks.push({
            key: s.key,
            form: f.form,
            where: t.where,
            context: t.text
              .slice(Math.max(0, at - 120), at + f.text.length + 40)
              .replace(f.text, "<SECRET>"),
          });
        }
      }
    }
  }
  return leaks;
}
