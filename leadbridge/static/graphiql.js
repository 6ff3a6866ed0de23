"use strict";

(function () {
  const config = JSON.parse(document.getElementById("graphiql-config").textContent);
  const subscriptionUrl = new URL(config.url, window.location.href);
  subscriptionUrl.protocol = subscriptionUrl.protocol === "https:" ? "wss:" : "ws:";
  // Subscriptions open a graphql-transport-ws socket to the same URL; GraphiQL sends the
  // headers of its Headers editor as the connection_init payload, as the server expects.
  const fetcher = GraphiQL.createFetcher({
    url: config.url,
    subscriptionUrl: subscriptionUrl.href,
    headers: { accept: "application/graphql-response+json, application/json" },
    enableIncrementalDelivery: false,
  });
  const defaultQuery = [
    "# Leadbridge GraphQL API. Every request needs an Authorization header:",
    "# see Headers below. `leadbridge token --email ...` prints a token.",
    "# Subscriptions stream here too, over a websocket with the same header:",
    "#   subscription { leadEvents { kind lead { id topic status } } }",
    "",
    "query Viewer {",
    "  viewer {",
    "    email",
    "    name",
    "    company { name }",
    "  }",
    "}",
    "",
  ].join("\n");
  const props = {
    fetcher,
    defaultQuery,
    defaultEditorToolsVisibility: "headers",
  };
  if (config.headers) {
    props.headers = config.headers;
  }
  const root = ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(React.createElement(GraphiQL, props));
})();
