/** The AWS implementation of the Cloud interface. See README.md in this folder. */
import type { Cloud, CloudContext, CloudEnvironment } from "../cloud";
import { AwsEnvironment } from "./environment";

export const awsCloud: Cloud = {
  kind: "aws",
  environment(ctx: CloudContext): CloudEnvironment {
    if (ctx.config.cloud !== "aws") throw new Error(`awsCloud: stack ${ctx.config.stack} has cloud ${ctx.config.cloud}`);
    return new AwsEnvironment(ctx);
  },
};

export { AwsEnvironment } from "./environment";
