// ESLint (flat config): JavaScript's recommended rules plus typescript-eslint's recommended set, over
// the TypeScript program, tools and tests. Formatting is Prettier's (.prettierrc), not ESLint's.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/", ".venv/", ".tools/", ".local/", "schemas/", "bench/", "dbt/target/", "dbt/dbt_packages/", "**/*.js"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts", "**/*.mjs"],
    rules: {
      // `_name` marks a deliberately unused binding (destructuring to drop a key, a required parameter).
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrorsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_" }],
    },
  },
  {
    // The GitHub Actions scripts are CommonJS run by actions/github-script and node.
    files: ["**/*.cjs"],
    languageOptions: { sourceType: "commonjs", globals: { require: "readonly", module: "writable", process: "readonly", console: "readonly", __dirname: "readonly" } },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
  {
    // Tests and mock harnesses handle untyped engine payloads (mock inputs, plan JSON): `any` is the honest type there.
    files: ["test/**/*.ts", "tools/synth/**/*.ts"],
    rules: { "@typescript-eslint/no-explicit-any": "off" },
  },
);
