// ESLint (flat config): JavaScript's recommended rules plus typescript-eslint's recommended set, over
// the TypeScript program, tools and tests. Formatting is Prettier's (.prettierrc), not ESLint's.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

// Layering (DESIGN.md, Layout): data flows stacks/ → components/, so components never import stacks/;
// only components/cloud/gcp/ imports @pulumi/gcp and only components/cloud/aws/ imports @pulumi/aws.
// One home for these arrows: test/stacks/layering.test.ts checks this rule fires and the tree obeys it.
const WRONG_WAY = {
  stacks: { group: ["**/stacks", "**/stacks/**"], message: "components/ must not import stacks/ (stacks → components only): move the shared type or rule into components/." },
  gcp: { group: ["@pulumi/gcp", "@pulumi/gcp/**"], message: "only components/cloud/gcp/ imports @pulumi/gcp." },
  aws: { group: ["@pulumi/aws", "@pulumi/aws/**"], message: "only components/cloud/aws/ imports @pulumi/aws." },
};
const restrict = (...keys) => ({ "no-restricted-imports": ["error", { patterns: keys.map((k) => WRONG_WAY[k]) }] });

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
  { files: ["stacks/**/*.ts"], rules: restrict("gcp", "aws") },
  { files: ["components/**/*.ts"], ignores: ["components/cloud/gcp/**", "components/cloud/aws/**"], rules: restrict("stacks", "gcp", "aws") },
  { files: ["components/cloud/gcp/**/*.ts"], rules: restrict("stacks", "aws") },
  { files: ["components/cloud/aws/**/*.ts"], rules: restrict("stacks", "gcp") },
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
