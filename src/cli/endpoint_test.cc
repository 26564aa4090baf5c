#include "cli/endpoint.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "cli/tls_client.h"

namespace peapod::cli {
namespace {

namespace fs = std::filesystem;

class EndpointTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("peapod-endpoint-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
    return (dir_ / name).string();
  }
  // "-----BEGIN CERTIFICATE-----\nX\n" in base64, as the daemon writes certificate-authority-data.
  std::string kubeconfig(const std::string& server, const std::string& extraUser = "") {
    return write("kubeconfig",
                 "apiVersion: v1\nkind: Config\nclusters:\n- name: other\n  cluster: {server: https://10.0.0.1:1}\n"
                 "- name: peapod\n  cluster:\n    server: " + server +
                     "\n    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tClgK\n"
                     "users:\n- name: peapod-admin\n  user:\n    token: secret-token\n" + extraUser +
                     "contexts:\n- name: peapod\n  context:\n    cluster: peapod\n    user: peapod-admin\n"
                     "    namespace: team\ncurrent-context: peapod\n");
  }
  EndpointChoice none() {
    EndpointChoice c;
    c.defaultSocket = "unix://" + (dir_ / "no.sock").string();
    c.defaultKubeconfig = (dir_ / "no-kubeconfig").string();
    return c;
  }
  fs::path dir_;
};

TEST_F(EndpointTest, KubeconfigCurrentContext) {
  auto ep = loadKubeconfig(kubeconfig("https://127.0.0.1:6443"));
  ASSERT_TRUE(ep.ok()) << ep.error().message();
  EXPECT_EQ(ep->server, "https://127.0.0.1:6443");
  EXPECT_EQ(ep->token, "secret-token");
  EXPECT_EQ(ep->caPem, "-----BEGIN CERTIFICATE-----\nX\n");
  EXPECT_EQ(ep->ns, "team");
  EXPECT_TRUE(ep->tls());
  EXPECT_FALSE(loadKubeconfig(dir_ / "missing").ok());
  EXPECT_FALSE(loadKubeconfig(write("bad", "current-context: nope\n")).ok());
}

TEST_F(EndpointTest, ChoiceOrder) {
  std::string kc = kubeconfig("https://127.0.0.1:6443");
  // Nothing given and nothing there: the unix socket (whose error will name it).
  auto c = none();
  EXPECT_EQ(chooseEndpoint(c)->server, c.defaultSocket);
  // The daemon's kubeconfig when the socket is not reachable.
  c.defaultKubeconfig = kc;
  EXPECT_EQ(chooseEndpoint(c)->server, "https://127.0.0.1:6443");
  // PEAPOD_SERVER before the defaults, KUBECONFIG before it, --kubeconfig before that.
  c.envServer = "tcp://127.0.0.1:1";
  EXPECT_EQ(chooseEndpoint(c)->server, "tcp://127.0.0.1:1");
  c.envKubeconfig = (dir_ / "absent").string() + ":" + kc;
  EXPECT_EQ(chooseEndpoint(c)->token, "secret-token");
  c.kubeconfig = (dir_ / "absent").string();
  EXPECT_FALSE(chooseEndpoint(c).ok());  // named explicitly: its absence is an error
  // --server wins; https takes the kubeconfig's credentials unless flags give them.
  c.kubeconfig = kc;
  c.server = "https://localhost:7000";
  auto ep = chooseEndpoint(c);
  EXPECT_EQ(ep->server, "https://localhost:7000");
  EXPECT_EQ(ep->token, "secret-token");
  EXPECT_FALSE(ep->caPem.empty());
  c.token = "flag-token";
  EXPECT_EQ(chooseEndpoint(c)->token, "flag-token");
  c.server = "unix:///x.sock";
  EXPECT_EQ(chooseEndpoint(c)->token, "flag-token");
}

TEST(SplitHostPortTest, Forms) {
  EXPECT_EQ(*splitHostPort("https://127.0.0.1:6443", "443"), std::make_pair(std::string("127.0.0.1"), std::string("6443")));
  EXPECT_EQ(*splitHostPort("https://example.test", "443"), std::make_pair(std::string("example.test"), std::string("443")));
  EXPECT_EQ(*splitHostPort("https://[::1]:8443/", "443"), std::make_pair(std::string("::1"), std::string("8443")));
  EXPECT_FALSE(splitHostPort("https://", "443").ok());
}

}  // namespace
}  // namespace peapod::cli
