//! `flopcost devices`: every adapter wgpu can see.

use anyhow::Result;
use serde::Serialize;

use crate::model::AdapterDescription;
use crate::report::devices_text;
use crate::session::list_adapters;

use super::Globals;

#[derive(Serialize)]
struct DeviceList {
    adapters: Vec<AdapterDescription>,
}

pub fn run(json: bool, globals: &Globals) -> Result<()> {
    let list = DeviceList {
        adapters: list_adapters(globals.session.backend),
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&list)?);
    } else {
        print!("{}", devices_text::render(&list.adapters));
    }
    Ok(())
}
