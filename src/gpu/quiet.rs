//! Keeps a Vulkan layer from printing display-server errors when there is no display.
//!
//! Mesa installs an implicit Vulkan layer, VK_LAYER_MESA_device_select, that runs whenever
//! adapters are listed: it connects to Wayland and X11 to find the GPU driving the screen and
//! list it first. Without a display (a server, CI, an ssh session) libwayland then prints
//! `error: XDG_RUNTIME_DIR is invalid or not set in the environment.`, twice, before flopcost has
//! done anything: the first line a newcomer reads, and no error of flopcost's. flopcost chooses
//! its adapter itself and never draws to a screen, so it turns the layer off through the layer's
//! own switch, unless the user has set one of the layer's variables.

/// The variables Mesa's device-select layer reads; one set by the user is left as it is.
const LAYER_VARIABLES: [&str; 3] = [
    "NODEVICE_SELECT",
    "MESA_VK_DEVICE_SELECT",
    "MESA_VK_DEVICE_SELECT_FORCE_DEFAULT_DEVICE",
];

/// Call first in `main`, before any thread starts: it sets an environment variable.
pub fn skip_display_device_selection() {
    if LAYER_VARIABLES
        .iter()
        .all(|name| std::env::var_os(name).is_none())
    {
        std::env::set_var("NODEVICE_SELECT", "1");
    }
}
