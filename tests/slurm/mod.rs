//! A real one-node Slurm for the tests: Debian's slurm-wlm and munge, configured under a
//! temporary folder, started as root and stopped when the guard drops, whatever happened.
//!
//! The node has two GPUs in Slurm's eyes: two character devices made under the temporary folder
//! and named in gres.conf, so `--gpus-per-task` works and Slurm sets its GPU variables
//! (CUDA_VISIBLE_DEVICES, ROCR_VISIBLE_DEVICES, ZE_AFFINITY_MASK, GPU_DEVICE_ORDINAL,
//! SLURM_STEP_GPUS) as on a GPU machine. Vulkan still sees only lavapipe, so flopcost measures
//! the CPU adapter and says so.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// GPUs the node declares to Slurm.
pub const FAKE_GPUS: u32 = 2;

pub struct OneNodeSlurm {
    pub dir: PathBuf,
    conf: PathBuf,
    /// munged, slurmctld, slurmd: stopped in reverse order.
    daemons: Vec<Child>,
}

/// Why the daemons cannot start here; the caller prints it and skips.
pub struct Skip(pub String);

const PROGRAMS: [&str; 7] = [
    "munged",
    "slurmctld",
    "slurmd",
    "srun",
    "sbatch",
    "sinfo",
    "mknod",
];

impl OneNodeSlurm {
    /// Writes the key and configuration, starts the daemons and waits (bounded) until the node is
    /// idle. Panics, with the daemons' logs, when they were there to start but did not come up.
    pub fn start() -> Result<OneNodeSlurm, Skip> {
        // SAFETY: geteuid has no preconditions and cannot fail.
        if unsafe { libc::geteuid() } != 0 {
            return Err(Skip("not root: slurmd and munged run as root here".into()));
        }
        if let Some(missing) = PROGRAMS.iter().find(|p| find_program(p).is_none()) {
            return Err(Skip(format!(
                "{missing} not found: install slurm-wlm and munge (apt-get install slurm-wlm munge)"
            )));
        }
        let dir = std::env::temp_dir().join(format!("flopcost-slurm-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for sub in ["state", "spool", "log", "dev", "work"] {
            std::fs::create_dir_all(dir.join(sub)).unwrap();
        }
        let mut cluster = OneNodeSlurm {
            conf: dir.join("slurm.conf"),
            dir,
            daemons: Vec::new(),
        };
        cluster.write_config();
        cluster.start_daemons();
        cluster.wait_until_idle(Duration::from_secs(60));
        Ok(cluster)
    }

    fn write_config(&self) {
        let dir = &self.dir;
        let mut key = [0u8; 1024];
        std::io::Read::read_exact(&mut std::fs::File::open("/dev/urandom").unwrap(), &mut key)
            .unwrap();
        let key_path = dir.join("munge.key");
        std::fs::write(&key_path, key).unwrap();
        set_mode(&key_path, 0o600);

        // Two character devices (/dev/null's numbers) that Slurm counts as GPUs 0 and 1.
        for i in 0..FAKE_GPUS {
            let dev = dir.join(format!("dev/gpu{i}"));
            run_ok(Command::new(find_program("mknod").unwrap()).args([
                dev.to_str().unwrap(),
                "c",
                "1",
                "3",
            ]));
        }
        std::fs::write(
            dir.join("gres.conf"),
            format!(
                "Name=gpu File={}/dev/gpu[0-{}]\n",
                dir.display(),
                FAKE_GPUS - 1
            ),
        )
        .unwrap();

        // `slurmd -C` prints this machine as Slurm sees it: name, CPUs, sockets, memory.
        let node = run_ok(Command::new(find_program("slurmd").unwrap()).arg("-C"));
        let node_line = String::from_utf8_lossy(&node.stdout)
            .lines()
            .find(|l| l.starts_with("NodeName="))
            .expect("slurmd -C prints a NodeName line")
            .to_string();
        let host = self.node_name();
        let (ctld_port, slurmd_port) = (free_port(), free_port());
        let d = dir.display();
        let conf = format!(
            "ClusterName=flopcost-test\n\
             SlurmctldHost={host}(127.0.0.1)\n\
             SlurmctldPort={ctld_port}\n\
             SlurmdPort={slurmd_port}\n\
             SlurmUser=root\n\
             SlurmdUser=root\n\
             AuthType=auth/munge\n\
             CredType=cred/munge\n\
             AuthInfo=socket={d}/munge.socket\n\
             StateSaveLocation={d}/state\n\
             SlurmdSpoolDir={d}/spool\n\
             SlurmctldPidFile={d}/slurmctld.pid\n\
             SlurmdPidFile={d}/slurmd.pid\n\
             SlurmctldLogFile={d}/log/slurmctld.log\n\
             SlurmdLogFile={d}/log/slurmd.log\n\
             ProctrackType=proctrack/linuxproc\n\
             TaskPlugin=task/none\n\
             SelectType=select/cons_tres\n\
             SelectTypeParameters=CR_Core\n\
             MpiDefault=none\n\
             ReturnToService=2\n\
             SchedulerType=sched/builtin\n\
             JobAcctGatherType=jobacct_gather/none\n\
             AccountingStorageType=accounting_storage/none\n\
             GresTypes=gpu\n\
             {node_line} NodeAddr=127.0.0.1 Gres=gpu:{FAKE_GPUS} State=UNKNOWN\n\
             PartitionName=test Nodes=ALL Default=YES MaxTime=INFINITE State=UP\n"
        );
        std::fs::write(&self.conf, conf).unwrap();
    }

    /// The short host name: slurmctld checks that it runs on SlurmctldHost.
    fn node_name(&self) -> String {
        let full = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
        full.trim().split('.').next().unwrap().to_string()
    }

    fn start_daemons(&mut self) {
        let d = self.dir.clone();
        let path = |name: &str| d.join(name).display().to_string();
        let mut munged = Command::new(find_program("munged").unwrap());
        munged
            .args(["--force", "--foreground"])
            .arg(format!("--socket={}", path("munge.socket")))
            .arg(format!("--key-file={}", path("munge.key")))
            .arg(format!("--log-file={}", path("log/munged.log")))
            .arg(format!("--pid-file={}", path("munged.pid")))
            .arg(format!("--seed-file={}", path("munged.seed")));
        self.spawn(&mut munged, "munged");
        wait_for(Duration::from_secs(10), || d.join("munge.socket").exists())
            .unwrap_or_else(|| self.fail("munged made no socket"));
        let conf = self.conf.display().to_string();
        let mut ctld = Command::new(find_program("slurmctld").unwrap());
        ctld.args(["-D", "-f", &conf]);
        self.spawn(&mut ctld, "slurmctld");
        let mut slurmd = Command::new(find_program("slurmd").unwrap());
        slurmd.args(["-D", "-f", &conf, "-N", &self.node_name()]);
        self.spawn(&mut slurmd, "slurmd");
    }

    fn spawn(&mut self, command: &mut Command, name: &str) {
        let log = std::fs::File::create(self.dir.join(format!("log/{name}.out"))).unwrap();
        let child = command
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| self.fail(&format!("cannot start {name}: {e}")));
        self.daemons.push(child);
    }

    fn wait_until_idle(&self, limit: Duration) {
        let idle = wait_for(limit, || {
            self.command("sinfo")
                .args(["-h", "-o", "%t"])
                .output()
                .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "idle")
        });
        if idle.is_none() {
            self.fail(&format!("the node was not idle within {limit:?}"));
        }
    }

    /// A Slurm client (srun, sbatch, sinfo) or any program, pointed at this cluster, in its work
    /// folder, with no Slurm or wgpu variables inherited from whatever runs the tests.
    pub fn command(&self, program: &str) -> Command {
        let mut cmd = Command::new(find_program(program).unwrap_or_else(|| program.into()));
        for (name, _) in std::env::vars_os() {
            let name = name.to_string_lossy();
            if name.starts_with("SLURM_") || name.starts_with("WGPU_") {
                cmd.env_remove(name.as_ref());
            }
        }
        cmd.env("SLURM_CONF", &self.conf)
            .env("FLOPCOST_CACHE_DIR", self.dir.join("cache"))
            .env("FLOPCOST_TUNE_BUDGET", "0")
            .current_dir(self.work());
        cmd
    }

    /// Where the commands run and write their files.
    pub fn work(&self) -> PathBuf {
        self.dir.join("work")
    }

    /// The daemons' logs, for a failure message.
    pub fn logs(&self) -> String {
        let mut text = String::new();
        for name in ["munged.out", "slurmctld.log", "slurmd.log"] {
            let log = std::fs::read_to_string(self.dir.join("log").join(name)).unwrap_or_default();
            let tail: Vec<&str> = log.lines().rev().take(15).collect();
            text.push_str(&format!("--- {name} (last lines)\n"));
            for line in tail.into_iter().rev() {
                text.push_str(line);
                text.push('\n');
            }
        }
        text
    }

    fn fail(&self, what: &str) -> ! {
        panic!("one-node Slurm: {what}\n{}", self.logs())
    }
}

impl Drop for OneNodeSlurm {
    fn drop(&mut self) {
        for child in self.daemons.iter_mut().rev() {
            // SIGTERM first, so slurmd ends its job steps; SIGKILL if it does not go in time.
            // SAFETY: kill with a child's own pid and a valid signal has no other effect.
            unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
            let gone = wait_for(Duration::from_secs(10), || {
                child.try_wait().is_ok_and(|s| s.is_some())
            });
            if gone.is_none() {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
        if std::env::var_os("FLOPCOST_KEEP_SLURM_DIR").is_none() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// Checks the program ran and exited 0; panics with its output otherwise.
pub fn run_ok(command: &mut Command) -> Output {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"));
    assert!(
        output.status.success(),
        "{command:?} failed ({}):\nstdout:\n{}\nstderr:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// A program on PATH or in the sbin folders, where Debian puts the daemons.
fn find_program(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/sbin", "/usr/bin", "/bin"].map(PathBuf::from))
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// A port nothing listens on now, so parallel runs of this test do not collide.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn wait_for(limit: Duration, mut ready: impl FnMut() -> bool) -> Option<()> {
    let started = Instant::now();
    while started.elapsed() < limit {
        if ready() {
            return Some(());
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    None
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}
