// One linter for the whole project: typescript-eslint's recommended rules plus Pulumi's own plugin,
// which catches Outputs interpolated into template literals (they would print "Calling [toString]").
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import pulumi from "@pulumi/eslint-plugin";

export default tseslint.config(
  {
    ignores: [
      "node_modules/**",
      "bin/**",
      "coverage/**",
      "dist/**",
      ".pulumi-cli/**",
      "**/node_modules/**",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { "@pulumi": pulumi },
    rules: {
      "@pulumi/no-output-in-template-literal": "error",
      "@pulumi/no-output-instance-in-template-literal": "error",
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_" },
      ],
      // Dynamic providers must require() inside their methods so closure serialization keeps the
      // module as a reference instead of capturing it by value (pulumi/pulumi#5294, #13960).
      "@typescript-eslint/no-require-imports": "off",
    },
  },
);
