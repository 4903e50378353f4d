import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    globalSetup: ["./firehose-local.setup.js"],
  },
});
