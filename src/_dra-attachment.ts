// What a meta-plugin passes as `request.dra`: devinfo/dra and devinfo/meta-plugin both export it
// (one list, `export *` in each).

export type { DRAAttachment } from "./dra/attachment-device.js";
