//! `flopcost devices`: every adapter wgpu can see.

use anyhow::Result;
use serde::Serialize;

use crate::gpu::{describe_all, enumerate, AdapterDescription};
use crate::report::table::Table;

use super::Globals;

#[derive(Serialize)]
struct DeviceList {
    adapters: Vec<AdapterDescription>,
}

pub fn run(json: bool, globals: &Globals) -> Result<()> {
    let (_instance, adapters) = enumerate(globals.session.backend);
    let list = DeviceList {
        adapters: describe_all(&adapters),
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&list)?);
        return Ok(());
    }
    if list.adapters.is_empty() {
        println!("no adapters found (install a Vulkan driver; on Debian without a GPU, `apt-get install mesa-vulkan-drivers`)");
        return Ok(());
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
    for a in &list.adapters {
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
    print!("{}", table.render());
    if list.adapters.iter().all(AdapterDescription::is_software) {
        println!("only CPU software adapters: their figures measure the CPU, not a GPU");
    }
    Ok(())
}
