// Builds the Mini App into www/, the folder `zmp deploy` uploads ("Deploy your existing
// project", dist folder www). The web form's stylesheet (templates/_style.html) is inlined
// into the page at build time, so both forms look alike from one file. The SDK goes into
// its own chunk, so what our own script names can be checked apart from Zalo's code. The
// browser tests build the same page with POLLS_ZMP_SDK_STUB naming a stand-in for the SDK
// module (the real one only works inside the Zalo app).
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { defineConfig, loadEnv } from "vite";

const formStyle = fileURLToPath(new URL("../../../templates/_style.html", import.meta.url));

function webFormStyle() {
  return {
    name: "polls-web-form-style",
    transformIndexHtml(html) {
      return html.replace("<!--form-style-->", readFileSync(formStyle, "utf8").trim());
    },
  };
}

export default defineConfig(({ mode }) => {
  const api = process.env.VITE_POLLS_API || loadEnv(mode, process.cwd()).VITE_POLLS_API;
  if (mode === "production" && !/^https?:\/\/[^/]+$/.test(api || "")) {
    throw new Error(
      "Set VITE_POLLS_API (in .env or the environment) to the server's address, e.g. https://thamdo.example.vn"
    );
  }
  const stub = process.env.POLLS_ZMP_SDK_STUB;
  return {
    base: "./",
    plugins: [webFormStyle()],
    resolve: stub ? { alias: { "zmp-sdk/apis": stub } } : {},
    build: {
      outDir: "www",
      emptyOutDir: true,
      target: "es2017",
      modulePreload: false,
      rollupOptions: {
        output: {
          manualChunks(id) {
            if (id.includes("/node_modules/")) return "zmp-sdk";
          },
        },
      },
    },
  };
});
