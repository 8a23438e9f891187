import { type DeviceInfoError, isDeviceInfoError } from "../../src/base/errors.js";

/** The DeviceInfoError `run` throws; anything else thrown, or nothing, fails the test. */
export function caught(run: () => unknown): DeviceInfoError {
  try {
    run();
  } catch (err) {
    if (isDeviceInfoError(err)) return err;
    throw err;
  }
  throw new Error("expected a DeviceInfoError, but nothing was thrown");
}
