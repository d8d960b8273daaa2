package io.gridwork.cli;

import io.gridwork.api.v1.CreateTokenRequest;
import io.gridwork.api.v1.CreateTokenResponse;
import io.gridwork.api.v1.ListTokensRequest;
import io.gridwork.api.v1.ListTokensResponse;
import io.gridwork.api.v1.RevokeTokenRequest;
import io.gridwork.api.v1.Token;
import io.gridwork.client.GridClient;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "token", mixinStandardHelpOptions = true, description = {"Creates, lists and revokes tokens (admins only).",
        "Roles: admin (everything), submitter (submits jobs; sees and cancels its own), viewer (reads), worker (a join "
                + "token for bringing up worker machines)."},
        subcommands = {TokenCommand.Create.class, TokenCommand.ListTokens.class, TokenCommand.Revoke.class})
final class TokenCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "a subcommand is required: create, list or revoke");
    }

    /** The roles as people write them. */
    enum RoleName { admin, submitter, viewer, worker }

    @Command(name = "create", mixinStandardHelpOptions = true, description = {"Creates a token and prints its secret, once.",
            "A worker token is a join token: give it to a new worker with grid worker --join-token TOKEN."})
    static final class Create implements Callable<Integer> {
        @Option(names = "--role", required = true, paramLabel = "ROLE", description = "${COMPLETION-CANDIDATES}.")
        RoleName role;

        @Option(names = "--name", paramLabel = "NAME", description = "Who it is for; jobs belong to this name "
                + "(default: the role's name).")
        String name;

        @Option(names = "--ttl", paramLabel = "DURATION", converter = DurationConverter.class,
                description = "How long it is valid (default: forever; 24h for worker join tokens).")
        Duration ttl;

        @Mixin
        ClientOptions client;

        @Override
        public Integer call() {
            try (GridClient c = client.connect()) {
                CreateTokenResponse r = c.call(stub -> stub.createToken(CreateTokenRequest.newBuilder()
                        .setName(name != null ? name : role.name())
                        .setRole(Token.Role.valueOf(role.name().toUpperCase(Locale.ROOT)))
                        .setTtlSeconds(ttl == null ? 0 : ttl.toSeconds()).build()));
                if (!client.printJson(r)) {
                    PrintWriter out = client.out();
                    out.println(r.getSecret());
                    PrintWriter err = client.err();
                    err.println("token " + r.getToken().getName() + " (" + r.getToken().getId() + "), role "
                            + role + (r.getToken().hasExpiresAt() ? ", valid until " + Formats.time(r.getToken().getExpiresAt()) : "")
                            + ": this secret is shown only now");
                    if (role == RoleName.worker) {
                        err.println("start a worker with: grid worker --master MASTER:PORT --join-token " + r.getSecret());
                    }
                    err.flush();
                    out.flush();
                }
                return ExitCodes.OK;
            }
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Lists the tokens (never their secrets).")
    static final class ListTokens implements Callable<Integer> {
        @Option(names = "--all", description = "Also list revoked tokens.")
        boolean all;

        @Mixin
        ClientOptions client;

        @Override
        public Integer call() {
            try (GridClient c = client.connect()) {
                ListTokensResponse r = c.call(stub -> stub.listTokens(ListTokensRequest.newBuilder().setIncludeRevoked(all).build()));
                if (client.printJson(r)) {
                    return ExitCodes.OK;
                }
                PrintWriter out = client.out();
                Table table = new Table("ID", "NAME", "ROLE", "CREATED", "EXPIRES", "REVOKED", "CREATED BY");
                for (Token t : r.getTokensList()) {
                    table.row(t.getId(), t.getName(), t.getRole().name().toLowerCase(Locale.ROOT), Formats.time(t.getCreatedAt()),
                            t.hasExpiresAt() ? Formats.time(t.getExpiresAt()) : "never",
                            t.hasRevokedAt() ? Formats.time(t.getRevokedAt()) : "-", t.getCreatedBy());
                }
                table.print(out);
                return ExitCodes.OK;
            }
        }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true, description = "Revokes a token by id, or every active "
            + "token of a name; it stops working at once.")
    static final class Revoke implements Callable<Integer> {
        @Parameters(paramLabel = "ID_OR_NAME", description = "A token id or name.")
        String idOrName;

        @Mixin
        ClientOptions client;

        @Override
        public Integer call() {
            try (GridClient c = client.connect()) {
                Token t = c.call(stub -> stub.revokeToken(RevokeTokenRequest.newBuilder().setIdOrName(idOrName).build()));
                return client.print(t, () -> "revoked " + t.getName() + " (" + t.getId() + ")");
            }
        }
    }
}
