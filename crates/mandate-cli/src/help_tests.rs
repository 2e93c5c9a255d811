//! Every flag and argument of every command says what it is for (issue 11, point 12).

use clap::CommandFactory;

fn undocumented(command: &clap::Command, path: &str, out: &mut Vec<String>) {
    for arg in command.get_arguments() {
        let id = arg.get_id().as_str();
        if matches!(id, "help" | "version") {
            continue;
        }
        if arg.get_help().is_none() && arg.get_long_help().is_none() {
            out.push(format!("{path} {id}"));
        }
    }
    for sub in command.get_subcommands() {
        undocumented(sub, &format!("{path} {}", sub.get_name()), out);
    }
}

#[test]
fn every_flag_and_argument_has_a_description() {
    let mut missing = Vec::new();
    undocumented(&crate::Cli::command(), "mandate", &mut missing);
    assert!(missing.is_empty(), "without a description: {missing:#?}");
}

#[test]
fn options_for_nats_are_under_their_own_heading() {
    let command = crate::Cli::command();
    for id in ["nats", "ledger_name", "nats_ca", "nats_cert", "nats_key"] {
        let arg = command.get_arguments().find(|a| a.get_id() == id).unwrap();
        assert_eq!(arg.get_help_heading(), Some("NATS JetStream"), "{id}");
    }
}
