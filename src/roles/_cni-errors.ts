/**
 * The CNI error codes a plugin prints (CNI spec, "Error"), shared by the
 * plugin protocol and the result it writes.
 *
 * @internal
 */

/** CNI error codes of the spec used here. */
export const CNI_ERROR = {
  INCOMPATIBLE_VERSION: 1,
  INVALID_ENVIRONMENT: 4,
  IO_FAILURE: 5,
  DECODING_FAILURE: 6,
  INVALID_NETWORK_CONFIG: 7,
  /** STATUS: the plugin cannot serve ADDs now (spec 1.1.0). */
  PLUGIN_NOT_AVAILABLE: 50,
  /** STATUS: the plugin can serve ADDs, but only limited ones (spec 1.1.0). */
  LIMITED_CONNECTIVITY: 51,
  /** Any other failure of this package (a DeviceInfoError). */
  DEVICE_INFO: 100,
  /** A bug: an exception that is neither a CNIError nor a DeviceInfoError. */
  UNEXPECTED: 999,
} as const;
