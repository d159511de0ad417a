//! `devices`' table: every adapter with the features and limits that matter for matmul.

use crate::model::AdapterDescription;

use super::table::Table;

pub fn render(adapters: &[AdapterDescription]) -> String {
    if adapters.is_empty() {
        return "no adapters found (install a Vulkan driver; on Debian without a GPU, `apt-get install mesa-vulkan-drivers`)\n".to_string();
    }
    let mut table = Table::new(&[
        "#",
        "name",
        "backend",
        "type",
        "driver",
        "timestamps",
        "f16",
        "subgroups",
        "coop-matrix",
        "max binding",
    ])
    .right_align(&[0, 9]);
    for a in adapters {
        let f = &a.features;
        let yes_no = |b: bool| if b { "yes" } else { "no" }.to_string();
        table.row(vec![
            a.index.to_string(),
            a.name.clone(),
            a.backend.clone(),
            a.device_type.clone(),
            format!("{} {}", a.driver, a.driver_info).trim().to_string(),
            yes_no(f.timestamp_query),
            yes_no(f.shader_f16),
            if f.subgroup {
                format!("{}-{}", f.subgroup_min_size, f.subgroup_max_size)
            } else {
                "no".into()
            },
            if f.cooperative_matrix {
                f.cooperative_matrix_shapes.join(", ")
            } else {
                "no".into()
            },
            format!("{} MiB", a.limits.max_storage_buffer_binding_size >> 20),
        ]);
    }
    let mut out = table.render();
    if adapters.iter().all(AdapterDescription::is_software) {
        out.push_str("only CPU software adapters: their figures measure the CPU, not a GPU\n");
    }
    out
}
