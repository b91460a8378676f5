import CLibUV

/// The libuv library this process linked against, as reported by libuv itself.
public enum LibUVVersion {
    /// The version string, for example `"1.44.2"`.
    public static var string: String { String(cString: uv_version_string()) }
}
