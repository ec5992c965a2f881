// asl-validator 4.0.0 ships JavaScript only; the part of its API the tier uses.
declare module "asl-validator" {
  interface AslValidation {
    isValid: boolean;
    errors: unknown[];
    errorsText: (separator?: string) => string;
  }
  export default function aslValidator(definition: unknown, options?: { checkPaths?: boolean; checkArn?: boolean }): AslValidation;
}
